using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventSnn.Ingest;

/// <summary>xxHash32, needed for the LZ4 frame header checksum (and optional content checksums).</summary>
internal static class XxHash32
{
    const uint P1 = 2654435761U, P2 = 2246822519U, P3 = 3266489917U, P4 = 668265263U, P5 = 374761393U;

    public static uint Hash(ReadOnlySpan<byte> data, uint seed = 0)
    {
        int i = 0;
        uint h;
        ref byte d = ref MemoryMarshal.GetReference(data);
        if (data.Length >= 16)
        {
            uint v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
            for (; i + 16 <= data.Length; i += 16)
            {
                v1 = Round(v1, Read(ref d, i));
                v2 = Round(v2, Read(ref d, i + 4));
                v3 = Round(v3, Read(ref d, i + 8));
                v4 = Round(v4, Read(ref d, i + 12));
            }
            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
        }
        else h = seed + P5;
        h += (uint)data.Length;
        for (; i + 4 <= data.Length; i += 4)
            h = BitOperations.RotateLeft(h + Read(ref d, i) * P3, 17) * P4;
        for (; i < data.Length; i++)
            h = BitOperations.RotateLeft(h + data[i] * P5, 11) * P1;
        h ^= h >> 15; h *= P2; h ^= h >> 13; h *= P3; h ^= h >> 16;
        return h;
    }

    // Bounds are kept by the loops above; little-endian hosts only (as the rest of the readers).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint Read(ref byte d, int i) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref d, i));

    static uint Round(uint acc, uint input) => BitOperations.RotateLeft(acc + input * P2, 13) * P1;
}
