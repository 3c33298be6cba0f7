using System.Buffers.Binary;

namespace EventSnn.Ingest;

/// <summary>One FileDataTable entry: where a packet body starts (byte offset), its stream and size, element count and time span (µs).</summary>
public readonly record struct Aedat4DataTableEntry(long ByteOffset, int StreamId, int Size, long NumElements, long TimestampStart, long TimestampEnd);

/// <summary>The AEDAT 4 FileDataTable ("FTAB"): one entry per packet, stored at the IOHeader's dataTablePosition.</summary>
public static class Aedat4DataTable
{
    /// <summary>Parses a decompressed table (size-prefixed or not).</summary>
    internal static List<Aedat4DataTableEntry> Parse(ReadOnlySpan<byte> payload)
    {
        var fb = new FlatBufferView(payload);
        int root;
        if (payload.Length >= 12 && payload.Slice(8, 4).SequenceEqual("FTAB"u8)) root = fb.Deref(4);
        else { fb.Identifier(4, "FTAB"); root = fb.Deref(0); }
        var (start, count) = fb.Vector(root, 0, 4);
        var list = new List<Aedat4DataTableEntry>(Math.Min(count, 1 << 16));
        for (int i = 0; i < count; i++)
        {
            int table = fb.Deref(start + 4 * i);
            int info = fb.Field(table, 1, 8);
            int streamId = info < 0 ? 0 : BinaryPrimitives.ReadInt32LittleEndian(payload[info..]);
            int size = info < 0 ? 0 : BinaryPrimitives.ReadInt32LittleEndian(payload[(info + 4)..]);
            list.Add(new Aedat4DataTableEntry(fb.I64(table, 0, 0), streamId, size, fb.I64(table, 2, 0), fb.I64(table, 3, 0), fb.I64(table, 4, 0)));
        }
        return list;
    }

    /// <summary>Encodes a size-prefixed "FTAB" FlatBuffer for <paramref name="entries"/>.</summary>
    internal static void Build(IReadOnlyList<Aedat4DataTableEntry> entries, PooledBuffer output)
    {
        int n = entries.Count;
        int vtable = 32 + 4 * n;                 // shared vtable of the entry tables (14 bytes, padded to 16)
        int first = (vtable + 16 + 7) & ~7;      // entry tables, 48 bytes each, 8-aligned
        int total = first + 48 * n;
        output.Length = 0;
        output.EnsureCapacity(total);
        var s = output.Array.AsSpan(0, total);
        s.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)(total - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], 16);            // root table at 20
        "FTAB"u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[12..], 6);
        BinaryPrimitives.WriteUInt16LittleEndian(s[14..], 8);
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(s[20..], 20 - 12);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], 4);            // → vector at 28
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)n);
        BinaryPrimitives.WriteUInt16LittleEndian(s[vtable..], 14);
        BinaryPrimitives.WriteUInt16LittleEndian(s[(vtable + 2)..], 48);
        BinaryPrimitives.WriteUInt16LittleEndian(s[(vtable + 4)..], 8);  // ByteOffset
        BinaryPrimitives.WriteUInt16LittleEndian(s[(vtable + 6)..], 16); // PacketInfo struct
        BinaryPrimitives.WriteUInt16LittleEndian(s[(vtable + 8)..], 24); // NumElements
        BinaryPrimitives.WriteUInt16LittleEndian(s[(vtable + 10)..], 32); // TimestampStart
        BinaryPrimitives.WriteUInt16LittleEndian(s[(vtable + 12)..], 40); // TimestampEnd
        for (int i = 0; i < n; i++)
        {
            int slot = 32 + 4 * i, table = first + 48 * i;
            BinaryPrimitives.WriteUInt32LittleEndian(s[slot..], (uint)(table - slot));
            BinaryPrimitives.WriteInt32LittleEndian(s[table..], table - vtable);
            var e = entries[i];
            BinaryPrimitives.WriteInt64LittleEndian(s[(table + 8)..], e.ByteOffset);
            BinaryPrimitives.WriteInt32LittleEndian(s[(table + 16)..], e.StreamId);
            BinaryPrimitives.WriteInt32LittleEndian(s[(table + 20)..], e.Size);
            BinaryPrimitives.WriteInt64LittleEndian(s[(table + 24)..], e.NumElements);
            BinaryPrimitives.WriteInt64LittleEndian(s[(table + 32)..], e.TimestampStart);
            BinaryPrimitives.WriteInt64LittleEndian(s[(table + 40)..], e.TimestampEnd);
        }
        output.Length = total;
    }
}
