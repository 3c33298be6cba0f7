#!/usr/bin/env bash
# Runs every fuzz harness for SECONDS each (default 60): under AFL++ when afl-fuzz is installed (Debian: apt-get install afl++),
# with the SharpFuzz-instrumented build; otherwise with the built-in mutation fuzzer. Findings land in fuzz-out/TARGET.
# Usage: tools/EventSnn.Fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(aedat2 aedat31 aedat4 bin csv hdf5 zip tar targz checkpoint spif aedat4-packet labels)
OUT=fuzz-out
dotnet build tools/EventSnn.Fuzz -c Release -v q -nologo
BIN=artifacts/bin/EventSnn.Fuzz/release
FX=tests/fixtures

# seeds per target, from the fixtures
SEEDS=$OUT/seeds; rm -rf "$SEEDS"; mkdir -p "$SEEDS"
for t in "${TARGETS[@]}"; do mkdir -p "$SEEDS/$t"; done
cp $FX/synthetic_dvs128_aedat2.aedat $FX/mibblez_header_test_128.aedat "$SEEDS/aedat2/" 2>/dev/null || true
cp $FX/synthetic_dvs128_aedat31.aedat "$SEEDS/aedat31/" 2>/dev/null || true
cp $FX/tonic_sample_nmnist.bin "$SEEDS/bin/" 2>/dev/null || true
cp $FX/synthetic_dvs128_aedat31_labels.csv "$SEEDS/labels/" 2>/dev/null || true
E="dotnet artifacts/bin/EventSnn.Cli/release/eventsnn.dll"
dotnet build tools/EventSnn.Cli -c Release -v q -nologo >/dev/null
TMP=$(mktemp -d)
$E events convert $FX/synthetic_dvs128_aedat31.aedat "$TMP/a.csv" >/dev/null
$E events convert $FX/synthetic_dvs128_aedat31.aedat "$TMP/a.aedat4" >/dev/null
$E events convert $FX/synthetic_dvs128_aedat31.aedat "$TMP/a.h5" >/dev/null 2>&1
for t in csv aedat4; do [ -d "$SEEDS/$t" ] && cp "$TMP/a.$t" "$SEEDS/$t/"; done
[ -d "$SEEDS/hdf5" ] && cp "$TMP/a.h5" "$SEEDS/hdf5/"
[ -d "$SEEDS/aedat4-packet" ] && cp "$TMP/a.aedat4" "$SEEDS/aedat4-packet/a"
(cd "$TMP" && python3 - <<'PY'
import zipfile, tarfile
zipfile.ZipFile('a.zip', 'w', zipfile.ZIP_DEFLATED).write('a.csv')
t = tarfile.open('a.tar', 'w'); t.add('a.csv'); t.close()
t = tarfile.open('a.tar.gz', 'w:gz'); t.add('a.csv'); t.close()
open('spif', 'wb').write(bytes(range(64)))
PY
)
[ -d "$SEEDS/zip" ] && cp "$TMP/a.zip" "$SEEDS/zip/"; [ -d "$SEEDS/tar" ] && cp "$TMP/a.tar" "$SEEDS/tar/"
[ -d "$SEEDS/targz" ] && cp "$TMP/a.tar.gz" "$SEEDS/targz/"; [ -d "$SEEDS/spif" ] && cp "$TMP/spif" "$SEEDS/spif/"
for t in "${TARGETS[@]}"; do [ -n "$(ls -A "$SEEDS/$t")" ] || printf 'x' > "$SEEDS/$t/empty"; done
rm -rf "$TMP"

if command -v afl-fuzz >/dev/null; then
  # SharpFuzz instruments the assemblies under test in place (a copy of the build)
  command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
  export PATH="$PATH:$HOME/.dotnet/tools"
  IBIN=$OUT/instrumented; rm -rf "$IBIN"; cp -r "$BIN" "$IBIN"
  for dll in EventSnn.Ingest.dll EventSnn.Datasets.dll EventSnn.Model.dll EventSnn.Pipeline.dll; do sharpfuzz "$IBIN/$dll"; done
  export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
  for t in "${TARGETS[@]}"; do
    afl-fuzz -V "$SECONDS_EACH" -t 5000 -m none -i "$SEEDS/$t" -o "$OUT/$t" -- dotnet "$IBIN/eventsnn-fuzz.dll" "$t" >/dev/null || true
    execs=$(awk -F: '/execs_done/ {gsub(/ /,"",$2); print $2}' "$OUT/$t/default/fuzzer_stats" 2>/dev/null || echo "?")
    crashes=$(ls "$OUT/$t/default/crashes" 2>/dev/null | grep -vc README || true)
    echo "$t: afl-fuzz $SECONDS_EACH s, $execs executions, $crashes crash(es) in $OUT/$t/default/crashes"
  done
else
  echo "afl-fuzz not found (apt-get install afl++): using the built-in mutation fuzzer" >&2
  mkdir -p "$OUT"; cd "$OUT"
  for t in "${TARGETS[@]}"; do dotnet "../$BIN/eventsnn-fuzz.dll" "$t" --mutate "seeds/$t" "$SECONDS_EACH" || true; done
fi
