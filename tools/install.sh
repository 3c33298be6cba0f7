#!/usr/bin/env bash
# Installs the `eventsnn` command: publishes the CLI (Release, framework-dependent, libtorch included,
# about 1.2 GB) into PREFIX/lib/eventsnn and writes a launcher PREFIX/bin/eventsnn.
# The publish step also applies the libstdc++ compatibility step (build/LibStdCxxCompat.targets) to the
# installed copy of TorchSharp's native shim where the system needs it.
#   tools/install.sh [--prefix DIR]      (default DIR: ~/.local)
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${HOME}/.local"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "error: --prefix needs a folder" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$1' (use --prefix DIR)" >&2; exit 2 ;;
  esac
done

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is not on PATH; see https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 2
fi

app="${prefix}/lib/eventsnn"
bin="${prefix}/bin"
staging="${app}.new-$$"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$bin"
echo "publishing eventsnn to ${app} ..."
dotnet publish tools/EventSnn.Cli/EventSnn.Cli.csproj -c Release -o "$staging" --nologo -v quiet
rm -rf "${app}.old"
[ -d "$app" ] && mv "$app" "${app}.old"
mv "$staging" "$app"
rm -rf "${app}.old"

cat > "${bin}/eventsnn" <<LAUNCHER
#!/usr/bin/env bash
exec "${app}/eventsnn" "\$@"
LAUNCHER
chmod +x "${bin}/eventsnn"
echo "installed: ${bin}/eventsnn ($("${bin}/eventsnn" --version))"
case ":${PATH}:" in
  *":${bin}:"*) ;;
  *) echo "note: ${bin} is not on PATH; add it, e.g.: export PATH=\"${bin}:\$PATH\"" ;;
esac
