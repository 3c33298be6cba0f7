using System.Buffers.Binary;
using System.Text;

namespace EventSnn.Ingest;

/// <summary>
/// The project's own bounded resolution of HDF5 paths, run before the HDF5 library looks anything up: the library follows
/// soft links by recursion without a limit, so a link that points at itself overflows the stack and ends the process.
/// This walk reads the superblock, object headers (v1 and v2, with continuation blocks), link messages of compact groups
/// and symbol tables (v1 B-tree + local heap) of old-style groups, follows at most <see cref="MaxSoftLinks"/> soft links
/// per path and refuses external links. Every address and size is checked against the file length before it is read.
/// Groups with dense link storage (fractal heap) are not walked; the path is then left to the library (see docs/errors.md).
/// </summary>
public static class Hdf5LinkWalk
{
    /// <summary>Most soft links followed while resolving one path (libhdf5's own default nesting limit is 16).</summary>
    public const int MaxSoftLinks = 16;

    /// <summary>Most object-header messages and continuation blocks read per object.</summary>
    const int MaxMessages = 4096, MaxContinuations = 64, MaxBTreeNodes = 4096;

    /// <summary>
    /// Checks that every path in <paramref name="paths"/> resolves to an object within the limits; throws an
    /// <see cref="EventFormatException"/> naming the path otherwise (loop, too many soft links, external link, a link to
    /// nothing, a structure that runs past the end of the file). <paramref name="stream"/> must be seekable.
    /// </summary>
    public static void Check(Stream stream, EventInput input, IEnumerable<string> paths) => Check(stream, input.File, input.Entry, paths);

    /// <summary>As <see cref="Check(Stream, EventInput, IEnumerable{string})"/> for a stream read from <paramref name="file"/> (entry <paramref name="entry"/>).</summary>
    public static void Check(Stream stream, string file, string? entry, IEnumerable<string> paths)
    {
        long position = stream.Position;
        var walk = new Walker(stream, file, entry);
        foreach (string p in paths) walk.Resolve(p, optional: true);
        stream.Position = position;
    }

    /// <summary>The object-header address <paramref name="path"/> resolves to, or null when a name on it does not exist.</summary>
    public static ulong? Resolve(Stream stream, string file, string path) => new Walker(stream, file, null).Resolve(path, optional: true);

    sealed class Walker(Stream s, string file, string? entry)
    {
        readonly long _length = s.Length;
        int _offsetSize = 8, _lengthSize = 8;
        ulong _base, _root;
        bool _haveSuperblock;

        EventFormatException Fail(long at, string expected, string? found = null) => new(file, entry, at, expected, found);

        public ulong? Resolve(string path, bool optional)
        {
            ReadSuperblock();
            int softLinks = 0;
            var pending = new Queue<string>(Split(path));
            ulong current = _root;
            var visited = new HashSet<(ulong, string)>();
            int steps = 0;
            while (pending.Count > 0)
            {
                if (++steps > 1024) throw Fail(0, $"a path {path} resolvable in at most 1024 steps");
                string name = pending.Dequeue();
                if (!visited.Add((current, name + "|" + string.Join('/', pending))))
                    throw Fail(0, $"HDF5 links of {path} that end", "a soft-link loop");
                var link = FindLink(current, name);
                if (link is null) return optional ? null : throw Fail(0, $"an object {path}");
                var (kind, address, target) = link.Value;
                switch (kind)
                {
                    case LinkKind.Hard: current = address; break;
                    case LinkKind.Unknown: return null;  // dense storage: left to the library
                    case LinkKind.External: throw Fail(0, $"{path} inside this file", $"an external link to {target}");
                    case LinkKind.Soft:
                        if (++softLinks > MaxSoftLinks) throw Fail(0, $"at most {MaxSoftLinks} soft links on {path}", "more (a soft-link loop?)");
                        var rest = pending.ToArray();
                        pending.Clear();
                        foreach (string part in Split(target!)) pending.Enqueue(part);
                        foreach (string part in rest) pending.Enqueue(part);
                        if (target!.StartsWith('/')) current = _root;
                        break;
                }
            }
            return current;
        }

        static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();

        enum LinkKind { Hard, Soft, External, Unknown }

        byte[] Read(ulong address, long count)
        {
            if (count < 0 || address > (ulong)_length || (ulong)count > (ulong)_length - address)
                throw Fail(address > long.MaxValue ? 0 : (long)address, $"{count} bytes inside the file ({_length} bytes)");
            var buf = new byte[count];
            s.Position = (long)address;
            s.ReadExactly(buf);
            return buf;
        }

        ulong Abs(ulong relative)
        {
            ulong a = _base + relative;
            if (a < relative || a >= (ulong)_length) throw Fail(0, $"an address inside the file ({_length} bytes)", $"{relative}");
            return a;
        }

        static bool IsUndefined(ReadOnlySpan<byte> b) { foreach (byte x in b) if (x != 0xFF) return false; return true; }

        ulong Uint(ReadOnlySpan<byte> b, int size) => size switch
        {
            1 => b[0], 2 => BinaryPrimitives.ReadUInt16LittleEndian(b), 4 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            8 => BinaryPrimitives.ReadUInt64LittleEndian(b), _ => throw Fail(0, "field sizes 1, 2, 4 or 8", size.ToString()),
        };

        void ReadSuperblock()
        {
            if (_haveSuperblock) return;
            ReadOnlySpan<byte> sig = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];
            long at = -1;
            for (long p = 0; p + 8 <= _length; p = p == 0 ? 512 : p * 2)
                if (Read((ulong)p, 8).AsSpan().SequenceEqual(sig)) { at = p; break; }
            if (at < 0) throw Fail(0, "the HDF5 signature");
            byte version = Read((ulong)at + 8, 1)[0];
            if (version <= 1)
            {
                byte[] h = Read((ulong)at, Math.Min(_length - at, 256));
                if (h.Length < 24) throw Fail(at, "a whole superblock");
                _offsetSize = h[13]; _lengthSize = h[14];
                if (_offsetSize is not (2 or 4 or 8) || _lengthSize is not (2 or 4 or 8)) throw Fail(at + 13, "offset and length sizes 2, 4 or 8");
                int p = version == 0 ? 24 : 28;
                int rootEntry = p + 4 * _offsetSize;
                if (rootEntry + 2 * _offsetSize > h.Length) throw Fail(at, "a whole superblock");
                _base = Uint(h.AsSpan(p), _offsetSize);
                _root = Abs(Uint(h.AsSpan(rootEntry + _offsetSize), _offsetSize));
            }
            else if (version <= 3)
            {
                byte[] h = Read((ulong)at, Math.Min(_length - at, 64));
                if (h.Length < 12) throw Fail(at, "a whole superblock");
                _offsetSize = h[9]; _lengthSize = h[10];
                if (_offsetSize is not (2 or 4 or 8) || _lengthSize is not (2 or 4 or 8)) throw Fail(at + 9, "offset and length sizes 2, 4 or 8");
                if (12 + 4 * _offsetSize > h.Length) throw Fail(at, "a whole superblock");
                _base = Uint(h.AsSpan(12), _offsetSize);
                _root = Abs(Uint(h.AsSpan(12 + 3 * _offsetSize), _offsetSize));
            }
            else throw Fail(at + 8, "superblock version 0 to 3", version.ToString());
            _haveSuperblock = true;
        }

        /// <summary>The messages (type, body) of the object header at <paramref name="address"/>.</summary>
        List<(int Type, byte[] Body)> Messages(ulong address)
        {
            var result = new List<(int, byte[])>();
            var blocks = new Queue<(ulong Address, ulong Length, bool V2Chunk)>();
            byte[] head = Read(address, Math.Min(16, _length - (long)address));
            bool v2 = head.Length >= 4 && head.AsSpan(0, 4).SequenceEqual("OHDR"u8);
            if (v2)
            {
                byte[] h = Read(address, Math.Min(_length - (long)address, 32));
                if (h.Length < 7 || h[4] != 2) throw Fail((long)address, "object header version 2");
                byte flags = h[5];
                int p = 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
                int sizeBytes = 1 << (flags & 3);
                if (p + sizeBytes > h.Length) throw Fail((long)address, "a whole object header");
                ulong size = Uint(h.AsSpan(p), sizeBytes);
                ParseV2(Read(address + (ulong)(p + sizeBytes), (long)Math.Min(size, (ulong)_length)), flags, result, blocks, checksum: false);
            }
            else
            {
                if (head.Length < 16 || head[0] != 1) throw Fail((long)address, "an object header (version 1 or 'OHDR')", head.Length > 0 ? $"version {head[0]}" : "end of file");
                ulong size = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(8));
                ParseV1(Read(address + 16, (long)Math.Min(size, (ulong)_length)), result, blocks);
            }
            for (int n = 0; blocks.Count > 0; n++)
            {
                if (n >= MaxContinuations) throw Fail((long)address, $"at most {MaxContinuations} header continuation blocks");
                var (a, len, chunk) = blocks.Dequeue();
                byte[] b = Read(a, (long)Math.Min(len, (ulong)_length));
                if (chunk)
                {
                    if (b.Length < 8 || !b.AsSpan(0, 4).SequenceEqual("OCHK"u8)) throw Fail((long)a, "an 'OCHK' continuation block");
                    byte flags = v2 ? Read(address + 5, 1)[0] : (byte)0;
                    ParseV2(b[4..], flags, result, blocks, checksum: true);
                }
                else ParseV1(b, result, blocks);
                if (result.Count > MaxMessages) throw Fail((long)address, $"at most {MaxMessages} header messages");
            }
            return result;

            void Continuation(byte[] body, Queue<(ulong, ulong, bool)> q, bool chunk)
            {
                if (body.Length < _offsetSize + _lengthSize) throw Fail((long)address, "a whole continuation message");
                q.Enqueue((Abs(Uint(body, _offsetSize)), Uint(body.AsSpan(_offsetSize), _lengthSize), chunk));
            }

            void ParseV1(byte[] b, List<(int, byte[])> into, Queue<(ulong, ulong, bool)> q)
            {
                for (int p = 0; p + 8 <= b.Length && into.Count <= MaxMessages;)
                {
                    int type = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p)), size = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p + 2));
                    p += 8;
                    if (p + size > b.Length) throw Fail((long)address, "header messages inside their block");
                    byte[] body = b[p..(p + size)];
                    if (type == 0x10) Continuation(body, q, false); else into.Add((type, body));
                    p += size;
                }
            }

            void ParseV2(byte[] b, byte flags, List<(int, byte[])> into, Queue<(ulong, ulong, bool)> q, bool checksum)
            {
                int headerSize = 4 + ((flags & 4) != 0 ? 2 : 0);
                int end = checksum ? b.Length - 4 : b.Length;
                for (int p = 0; p + headerSize <= end && into.Count <= MaxMessages;)
                {
                    int type = b[p], size = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p + 1));
                    p += headerSize;
                    if (p + size > end) throw Fail((long)address, "header messages inside their chunk");
                    byte[] body = b[p..(p + size)];
                    if (type == 0x10) Continuation(body, q, true); else into.Add((type, body));
                    p += size;
                }
            }
        }

        (LinkKind Kind, ulong Address, string? Target)? FindLink(ulong group, string name)
        {
            var messages = Messages(group);
            bool sawLinkInfo = false;
            foreach (var (type, body) in messages)
            {
                if (type == 6 && ParseLinkMessage(body, group) is { } l && l.Name == name) return (l.Kind, l.Address, l.Target);
                if (type == 2)
                {
                    sawLinkInfo = true;
                    int p = 2 + ((body.Length > 1 && (body[1] & 1) != 0) ? 8 : 0);
                    if (p + _offsetSize > body.Length) throw Fail((long)group, "a whole link-info message");
                    if (!IsUndefined(body.AsSpan(p, _offsetSize))) return (LinkKind.Unknown, 0, null);  // dense storage
                }
                if (type == 0x11)
                {
                    if (body.Length < 2 * _offsetSize) throw Fail((long)group, "a whole symbol-table message");
                    return SymbolTableLookup(Abs(Uint(body, _offsetSize)), Abs(Uint(body.AsSpan(_offsetSize), _offsetSize)), name);
                }
            }
            _ = sawLinkInfo;
            return null;
        }

        (string Name, LinkKind Kind, ulong Address, string? Target)? ParseLinkMessage(byte[] b, ulong at)
        {
            if (b.Length < 2 || b[0] != 1) throw Fail((long)at, "link message version 1");
            byte flags = b[1];
            int p = 2;
            int linkType = 0;
            if ((flags & 8) != 0) linkType = b.ElementAtOrDefault(p++);
            if ((flags & 4) != 0) p += 8;
            if ((flags & 16) != 0) p++;
            int lenSize = 1 << (flags & 3);
            if (p + lenSize > b.Length) throw Fail((long)at, "a whole link message");
            ulong nameLen = Uint(b.AsSpan(p), lenSize);
            p += lenSize;
            if (nameLen > (ulong)(b.Length - p)) throw Fail((long)at, "a link name inside its message");
            string name = Encoding.UTF8.GetString(b, p, (int)nameLen);
            p += (int)nameLen;
            switch (linkType)
            {
                case 0:
                    if (p + _offsetSize > b.Length) throw Fail((long)at, "a whole hard link");
                    return (name, LinkKind.Hard, Abs(Uint(b.AsSpan(p), _offsetSize)), null);
                case 1:
                case 64:
                    if (p + 2 > b.Length) throw Fail((long)at, "a whole soft/external link");
                    int len = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p));
                    if (p + 2 + len > b.Length) throw Fail((long)at, "a link value inside its message");
                    string value = Encoding.UTF8.GetString(b, p + 2, len).Replace("\0", linkType == 64 ? ":" : "");
                    return (name, linkType == 1 ? LinkKind.Soft : LinkKind.External, 0, value);
                default:
                    return (name, LinkKind.External, 0, $"a user-defined link (type {linkType})");
            }
        }

        (LinkKind, ulong, string?)? SymbolTableLookup(ulong btree, ulong heap, string name)
        {
            byte[] h = Read(heap, 8 + 2 * _lengthSize + _offsetSize);
            if (!h.AsSpan(0, 4).SequenceEqual("HEAP"u8)) throw Fail((long)heap, "a local heap ('HEAP')");
            ulong dataSize = Uint(h.AsSpan(8), _lengthSize);
            ulong dataAddr = Abs(Uint(h.AsSpan(8 + 2 * _lengthSize), _offsetSize));
            byte[] data = Read(dataAddr, (long)Math.Min(dataSize, (ulong)_length));
            string HeapString(ulong offset)
            {
                if (offset >= (ulong)data.Length) throw Fail((long)heap, "a name inside the local heap");
                int end = Array.IndexOf(data, (byte)0, (int)offset);
                if (end < 0) end = data.Length;
                return Encoding.UTF8.GetString(data, (int)offset, end - (int)offset);
            }

            var nodes = new Stack<ulong>();
            var seen = new HashSet<ulong>();
            nodes.Push(btree);
            int entrySize = 2 * _offsetSize + 24;
            while (nodes.Count > 0)
            {
                ulong n = nodes.Pop();
                if (!seen.Add(n) || seen.Count > MaxBTreeNodes) throw Fail((long)n, $"a group B-tree of at most {MaxBTreeNodes} nodes without cycles");
                byte[] head = Read(n, 8 + 2 * _offsetSize);
                if (head.AsSpan(0, 4).SequenceEqual("TREE"u8))
                {
                    if (head[4] != 0) throw Fail((long)n, "a group B-tree node (type 0)", $"type {head[4]}");
                    int used = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(6));
                    long bodyLen = (long)used * (_lengthSize + _offsetSize) + _lengthSize;
                    byte[] body = Read(n + (ulong)head.Length, bodyLen);
                    for (int i = 0; i < used; i++)
                        nodes.Push(Abs(Uint(body.AsSpan(_lengthSize + i * (_lengthSize + _offsetSize)), _offsetSize)));
                }
                else if (head.AsSpan(0, 4).SequenceEqual("SNOD"u8))
                {
                    int count = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(6));
                    byte[] entries = Read(n + 8, (long)count * entrySize);
                    for (int i = 0; i < count; i++)
                    {
                        var e = entries.AsSpan(i * entrySize, entrySize);
                        if (HeapString(Uint(e, _offsetSize)) != name) continue;
                        uint cache = BinaryPrimitives.ReadUInt32LittleEndian(e[(2 * _offsetSize)..]);
                        if (cache == 2)
                            return (LinkKind.Soft, 0, HeapString(BinaryPrimitives.ReadUInt32LittleEndian(e[(2 * _offsetSize + 8)..])));
                        return (LinkKind.Hard, Abs(Uint(e[_offsetSize..], _offsetSize)), null);
                    }
                }
                else throw Fail((long)n, "a B-tree node ('TREE') or symbol-table node ('SNOD')");
            }
            return null;
        }
    }
}
