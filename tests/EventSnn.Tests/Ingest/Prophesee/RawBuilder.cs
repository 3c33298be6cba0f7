using System.Text;

namespace EventSnn.Tests.Ingest.Prophesee;

/// <summary>Hand-built Prophesee .raw files: a header and words, written byte by byte.</summary>
internal sealed class RawBuilder
{
    readonly MemoryStream _ms = new();

    public RawBuilder(string header)
    {
        byte[] h = Encoding.ASCII.GetBytes(header);
        _ms.Write(h);
    }

    public RawBuilder W16(int type, int payload) { ushort w = (ushort)((type << 12) | (payload & 0xFFF)); _ms.WriteByte((byte)w); _ms.WriteByte((byte)(w >> 8)); return this; }
    public RawBuilder W32(uint w) { _ms.Write(BitConverter.GetBytes(w)); return this; }
    public RawBuilder W64(ulong w) { _ms.Write(BitConverter.GetBytes(w)); return this; }

    // EVT 2.0 words.
    public RawBuilder Evt2TimeHigh(long t) => W32((0x8u << 28) | (uint)((t >> 6) & 0x0FFFFFFF));
    public RawBuilder Evt2Cd(long t, int x, int y, int p) => W32(((uint)p << 28) | ((uint)(t & 63) << 22) | ((uint)x << 11) | (uint)y);
    public RawBuilder Evt2Trigger(long t, int id, int value) => W32((0xAu << 28) | ((uint)(t & 63) << 22) | ((uint)id << 8) | (uint)value);

    // EVT 2.1 words (standard order; legacy swaps the 32-bit halves).
    public RawBuilder Evt21(ulong word, bool legacy) => W64(legacy ? (word << 32) | (word >> 32) : word);
    public static ulong Evt21Cd(int pol, long t, int x, int y, uint mask) => ((ulong)(uint)pol << 60) | ((ulong)(t & 63) << 54) | ((ulong)x << 43) | ((ulong)y << 32) | mask;
    public static ulong Evt21TimeHigh(long t) => (0x8UL << 60) | ((ulong)((t >> 6) & 0x0FFFFFFF) << 32);
    public static ulong Evt21Trigger(long t, int id, int value) => (0xAUL << 60) | ((ulong)(t & 63) << 54) | ((ulong)id << 40) | ((ulong)value << 32);

    public byte[] Bytes => _ms.ToArray();
}
