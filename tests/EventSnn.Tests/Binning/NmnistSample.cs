using EventSnn.Ingest;

namespace EventSnn.Tests.Binning;

/// <summary>
/// The shared N-MNIST fixture decoded straight from its 5-byte records (FORMATS.md §2), so the binning
/// references do not depend on any reader under test.
/// </summary>
internal static class NmnistSample
{
    public const int Size = 34;

    public static EventBatch Load()
    {
        byte[] raw = File.ReadAllBytes(Fixtures.File("tonic_sample_nmnist.bin"));
        Assert.Equal(0, raw.Length % 5);
        int n = raw.Length / 5;
        var batch = new EventBatch(n, Size, Size);
        for (int i = 0; i < n; i++)
        {
            int o = i * 5;
            long t = ((raw[o + 2] & 0x7F) << 16) | (raw[o + 3] << 8) | raw[o + 4];
            batch.Add(t, raw[o], raw[o + 1], (byte)(raw[o + 2] >> 7));
        }
        return batch;
    }
}
