// Build-time compatibility step for TorchSharp's native shim (DESIGN.md §7).
//
// libLibTorchSharp.so in TorchSharp 0.107 was linked with GCC 13 and lists GLIBCXX_3.4.32 among the
// versions it needs from libstdc++.so.6. The only symbol bound to that version is
// std::ios_base_library_init(), which no relocation references, so the need is nominal. On systems whose
// libstdc++ stops at GLIBCXX_3.4.30 (Debian 12, Ubuntu 22.04) the loader refuses the file. Retargeting the
// one version-need entry to GLIBCXX_3.4.30 (name offset and ELF hash of that version, which the file already
// needs) lets the loader accept it. This file holds the pure logic; the MSBuild task at the bottom applies it
// to the copy in each build output folder, only when the system libstdc++ lacks the version.
//
// It is compiled twice: by MSBuild's RoslynCodeTaskFactory (as a task) and into the test project (with
// LIBSTDCXX_COMPAT_NO_TASK defined) so the ELF logic is tested directly.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace EventSnn.Build
{
    /// <summary>Outcome of <see cref="ElfVersionNeed.Retarget"/>.</summary>
    public enum RetargetResult
    {
        /// <summary>The entry was rewritten.</summary>
        Patched,
        /// <summary>The file does not need the old version (already patched, or a build that never needed it).</summary>
        NotNeeded,
        /// <summary>The file needs the old version but not the new one, so there is no name to point at.</summary>
        NoTarget,
    }

    /// <summary>Reads and rewrites the version-need table (.gnu.version_r) of a little-endian ELF64 file.</summary>
    public static class ElfVersionNeed
    {
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>The standard System V ELF hash used in vna_hash.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (char c in name)
            {
                h = (h << 4) + (byte)c;
                uint g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        /// <summary>All (library, version) pairs listed in the version-need table.</summary>
        public static List<(string File, string Version, uint Hash)> ListNeeds(byte[] elf)
        {
            var result = new List<(string, string, uint)>();
            Walk(elf, (file, version, auxOffset) => result.Add((file, version, ReadU32(elf, auxOffset))));
            return result;
        }

        /// <summary>
        /// Points the version-need entry named <paramref name="from"/> at <paramref name="to"/> (name offset and hash).
        /// </summary>
        public static RetargetResult Retarget(byte[] elf, string from, string to)
        {
            int fromAux = -1;
            int toAux = -1;
            Walk(elf, (file, version, auxOffset) =>
            {
                if (version == from && fromAux < 0) fromAux = auxOffset;
                if (version == to && toAux < 0) toAux = auxOffset;
            });
            if (fromAux < 0) return RetargetResult.NotNeeded;
            if (toAux < 0) return RetargetResult.NoTarget;
            // Vernaux: vna_hash u32 @0, vna_flags u16 @4, vna_other u16 @6, vna_name u32 @8, vna_next u32 @12.
            WriteU32(elf, fromAux + 0, ReadU32(elf, toAux + 0));
            WriteU32(elf, fromAux + 8, ReadU32(elf, toAux + 8));
            return RetargetResult.Patched;
        }

        /// <summary>True when a shared library's bytes define (or mention) the given symbol version string.</summary>
        public static bool MentionsVersion(byte[] library, string version)
        {
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(library, needle) >= 0;
        }

        static void Walk(byte[] elf, Action<string, string, int> visit)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file (bad magic at offset 0)");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only little-endian ELF64 files are supported (EI_CLASS/EI_DATA at offset 4)");
            ulong shoff = ReadU64(elf, 0x28);
            int shentsize = ReadU16(elf, 0x3A);
            int shnum = ReadU16(elf, 0x3C);
            if (shentsize < 64 || shoff + (ulong)shentsize * (ulong)shnum > (ulong)elf.Length)
                throw new InvalidDataException($"section header table at offset {shoff} runs past the end of the file");
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)shoff + i * shentsize);
                if (ReadU32(elf, sh + 4) != ShtGnuVerneed) continue;
                ulong off = ReadU64(elf, sh + 0x18);
                ulong size = ReadU64(elf, sh + 0x20);
                uint link = ReadU32(elf, sh + 0x28);
                uint count = ReadU32(elf, sh + 0x2C);
                if (off + size > (ulong)elf.Length || link >= shnum)
                    throw new InvalidDataException($"section {i} (.gnu.version_r) lies outside the file");
                int strSh = checked((int)shoff + (int)link * shentsize);
                ulong strOff = ReadU64(elf, strSh + 0x18);
                ulong strSize = ReadU64(elf, strSh + 0x20);
                if (strOff + strSize > (ulong)elf.Length)
                    throw new InvalidDataException($"string table of section {i} lies outside the file");
                int vn = (int)off;
                for (uint n = 0; n < count; n++)
                {
                    if (vn < (int)off || vn + 16 > (int)(off + size))
                        throw new InvalidDataException($"version-need entry at offset {vn} lies outside .gnu.version_r");
                    int cnt = ReadU16(elf, vn + 2);
                    string file = ReadString(elf, strOff, strSize, ReadU32(elf, vn + 4));
                    int aux = vn + (int)ReadU32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        if (aux < (int)off || aux + 16 > (int)(off + size))
                            throw new InvalidDataException($"version-need aux entry at offset {aux} lies outside .gnu.version_r");
                        visit(file, ReadString(elf, strOff, strSize, ReadU32(elf, aux + 8)), aux);
                        uint next = ReadU32(elf, aux + 12);
                        if (next == 0) break;
                        aux += (int)next;
                    }
                    uint vnNext = ReadU32(elf, vn + 12);
                    if (vnNext == 0) break;
                    vn += (int)vnNext;
                }
            }
        }

        static string ReadString(byte[] elf, ulong tableOff, ulong tableSize, uint index)
        {
            if (index >= tableSize) throw new InvalidDataException($"string index {index} outside the string table");
            int start = checked((int)(tableOff + index));
            int end = start;
            int limit = checked((int)(tableOff + tableSize));
            while (end < limit && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        static int IndexOf(byte[] haystack, byte[] needle)
        {
            int last = haystack.Length - needle.Length;
            for (int i = 0; i <= last; i++)
            {
                if (haystack[i] != needle[0]) continue;
                int j = 1;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | b[o + 1] << 8);
        static uint ReadU32(byte[] b, int o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
        static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | (ulong)ReadU32(b, o + 4) << 32;
        static void WriteU32(byte[] b, int o, uint v)
        {
            b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); b[o + 2] = (byte)(v >> 16); b[o + 3] = (byte)(v >> 24);
        }
    }

    /// <summary>Finds the libstdc++.so.6 the dynamic loader would pick and asks whether it has a version.</summary>
    public static class SystemLibStdCxx
    {
        static readonly string[] KnownPaths =
        {
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        /// <summary>The first existing libstdc++.so.6 among the standard locations, or null.</summary>
        public static string? Locate()
        {
            foreach (string p in KnownPaths)
                if (File.Exists(p)) return p;
            return null;
        }

        /// <summary>True when the system libstdc++ provides <paramref name="version"/>; null when none was found.</summary>
        public static bool? Provides(string version)
        {
            string? path = Locate();
            if (path == null) return null;
            return ElfVersionNeed.MentionsVersion(File.ReadAllBytes(path), version);
        }
    }

#if !LIBSTDCXX_COMPAT_NO_TASK
    /// <summary>MSBuild task: patches libLibTorchSharp.so copies in an output folder when the system needs it.</summary>
    public class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        /// <summary>Folder searched (recursively) for libLibTorchSharp.so.</summary>
        [Microsoft.Build.Framework.Required]
        public string OutputDirectory { get; set; } = "";

        public override bool Execute()
        {
            const string needed = "GLIBCXX_3.4.32";
            const string available = "GLIBCXX_3.4.30";
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
                return true;
            if (!Directory.Exists(OutputDirectory)) return true;
            string[] shims = Directory.GetFiles(OutputDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
            if (shims.Length == 0) return true;
            bool? provides = SystemLibStdCxx.Provides(needed);
            if (provides == true)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    $"System libstdc++ provides {needed}; libLibTorchSharp.so left untouched.");
                return true;
            }
            if (provides == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                    "No system libstdc++.so.6 found in the standard locations; libLibTorchSharp.so left untouched.");
                return true;
            }
            foreach (string shim in shims)
            {
                byte[] bytes = File.ReadAllBytes(shim);
                RetargetResult r;
                try { r = ElfVersionNeed.Retarget(bytes, needed, available); }
                catch (InvalidDataException e)
                {
                    Log.LogWarning($"{shim}: cannot read its ELF version needs ({e.Message}); left untouched.");
                    continue;
                }
                if (r == RetargetResult.Patched)
                {
                    string tmp = shim + ".patching";
                    File.WriteAllBytes(tmp, bytes);
                    File.Copy(tmp, shim, overwrite: true);
                    File.Delete(tmp);
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                        $"libstdc++ compat: {shim}: version need {needed} -> {available} (system libstdc++ lacks {needed}).");
                }
                else if (r == RetargetResult.NoTarget)
                {
                    Log.LogWarning($"{shim} needs {needed} but not {available}; cannot retarget, TorchSharp may fail to load.");
                }
            }
            return true;
        }
    }
#endif
}
