using System.Buffers.Binary;
using System.Text;

namespace EventSnn.Ingest;

/// <summary>
/// Bounds-checked reading of FlatBuffer tables (little-endian, vtable-based): every offset, vtable entry and vector
/// length is checked against the buffer before use, and a bad one raises <see cref="PayloadException"/>.
/// </summary>
internal readonly ref struct FlatBufferView(ReadOnlySpan<byte> buffer)
{
    public readonly ReadOnlySpan<byte> Buffer = buffer;

    void Need(long at, long size, string what)
    {
        if (at < 0 || size < 0 || at + size > Buffer.Length)
            throw new PayloadException((int)Math.Clamp(at, 0, Buffer.Length), $"{what} inside the {Buffer.Length}-byte FlatBuffer", $"offset {at}");
    }

    public uint U32(long at) { Need(at, 4, "a 4-byte field"); return BinaryPrimitives.ReadUInt32LittleEndian(Buffer[(int)at..]); }
    public int I32(long at) { Need(at, 4, "a 4-byte field"); return BinaryPrimitives.ReadInt32LittleEndian(Buffer[(int)at..]); }
    public ushort U16(long at) { Need(at, 2, "a 2-byte field"); return BinaryPrimitives.ReadUInt16LittleEndian(Buffer[(int)at..]); }

    /// <summary>Position of the table an unsigned offset at <paramref name="at"/> points to.</summary>
    public int Deref(long at)
    {
        long target = at + U32(at);
        Need(target, 4, "an offset target");
        return (int)target;
    }

    /// <summary>Checks the 4-byte file identifier at <paramref name="at"/>.</summary>
    public void Identifier(int at, string identifier)
    {
        Need(at, 4, "a file identifier");
        if (!Buffer.Slice(at, 4).SequenceEqual(Encoding.ASCII.GetBytes(identifier)))
            throw new PayloadException(at, $"file identifier \"{identifier}\"", "\"" + Encoding.ASCII.GetString(Buffer.Slice(at, 4)).Replace('\0', '.') + "\"");
    }

    /// <summary>Absolute position of field <paramref name="field"/> of the table at <paramref name="table"/>, or −1 when absent.</summary>
    public int Field(int table, int field, int size)
    {
        long vtable = (long)table - I32(table);
        int vtSize = U16(vtable);
        int tableSize = U16(vtable + 2);
        if (vtSize < 4 || (vtSize & 1) != 0) throw new PayloadException((int)vtable, "a vtable of at least 4 even bytes", vtSize.ToString());
        Need(vtable, vtSize, "the vtable");
        Need(table, tableSize, "the table");
        int slot = 4 + 2 * field;
        if (slot + 2 > vtSize) return -1;
        int off = U16(vtable + slot);
        if (off == 0) return -1;
        if (off < 4 || off + size > tableSize) throw new PayloadException(table, $"field {field} inside its {tableSize}-byte table", $"offset {off}");
        return table + off;
    }

    public long I64(int table, int field, long fallback)
    {
        int at = Field(table, field, 8);
        return at < 0 ? fallback : BinaryPrimitives.ReadInt64LittleEndian(Buffer[at..]);
    }

    public int I32(int table, int field, int fallback)
    {
        int at = Field(table, field, 4);
        return at < 0 ? fallback : BinaryPrimitives.ReadInt32LittleEndian(Buffer[at..]);
    }

    /// <summary>Start and element count of the vector in field <paramref name="field"/>; (0, 0) when absent.</summary>
    public (int Start, int Count) Vector(int table, int field, int elementSize)
    {
        int at = Field(table, field, 4);
        if (at < 0) return (0, 0);
        int v = Deref(at);
        long count = U32(v);
        Need(v + 4, count * elementSize, $"a vector of {count} × {elementSize} bytes");
        return (v + 4, (int)count);
    }

    public string? String(int table, int field)
    {
        int at = Field(table, field, 4);
        if (at < 0) return null;
        var (start, count) = Vector(table, field, 1);
        return Encoding.UTF8.GetString(Buffer.Slice(start, count));
    }
}
