using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

/// <summary>
/// Thousands of damaged copies per reader (bit flips, cuts, inserted garbage, size fields overwritten with extreme
/// values). A reader may only decode or raise <see cref="EventFormatException"/>; a decode of a cut copy must be a
/// prefix of the original, and no read may allocate far beyond what the input could justify.
/// </summary>
public class RobustnessTests
{
    const int Iterations = 1500;

    static byte[] Aedat31() { using var e = Random(600, 128, 128, 1, (1L << 31) - 10_000, 40); var ms = new MemoryStream(); Aedat31Writer.Write(ms, e, new EventWriteOptions { EventsPerPacket = 100 }); return ms.ToArray(); }
    static byte[] Aedat2() { using var e = Random(600, 128, 128, 2); var ms = new MemoryStream(); Aedat2Writer.Write(ms, e); return ms.ToArray(); }
    static byte[] Bin() { using var e = Random(600, 34, 34, 3); var ms = new MemoryStream(); AtisBinWriter.Write(ms, e); return ms.ToArray(); }
    static byte[] Csv() { using var e = Random(300, 128, 128, 4); var ms = new MemoryStream(); CsvEventWriter.Write(ms, e); return ms.ToArray(); }
    static byte[] Aedat4(Aedat4Compression c) { using var e = Random(600, 346, 260, 5, 1_600_000_000_000_000); var ms = new MemoryStream(); Aedat4Writer.WriteFile(ms, e, new EventWriteOptions { Compression = c, EventsPerPacket = 150 }); return ms.ToArray(); }

    // DAVIS346 records: DVS events (bit 31 clear) inside 346 × 260 and APS samples (bit 31 set) to be skipped.
    static byte[] DavisRecords()
    {
        var rng = new Random(9);
        var b = new byte[8 * 500];
        for (int i = 0; i < 500; i++)
        {
            uint a = i % 7 == 0 ? 0x80000000u | (uint)rng.Next() : ((uint)rng.Next(260) << 22) | ((uint)rng.Next(346) << 12) | ((uint)rng.Next(2) << 11);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8 * i), a);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8 * i + 4), (uint)(1000 + 3 * i));
        }
        return b;
    }

    // Prophesee recordings: bursty rows (so EVT 3.0 vectorises) with triggers, crossing an EVT 3.0 time loop.
    static EventBatch PropheseeEvents(int seed)
    {
        var rng = new Random(seed);
        var b = new EventBatch(700, 640, 480);
        long t = (1L << 24) - 3000;
        while (b.Count < 700)
        {
            t += rng.Next(0, 40);
            int x = rng.Next(600), y = rng.Next(480), p = rng.Next(2);
            for (int r = rng.Next(1, 20); r > 0 && b.Count < 700; r--, x += rng.Next(1, 3)) b.Add(t, (ushort)x, (ushort)y, (byte)p);
        }
        return b;
    }
    static readonly ExternalTrigger[] SomeTriggers = [new((1L << 24) - 2000, 1, 1), new((1L << 24) + 500, 2, 0)];
    static byte[] Evt3() { using var e = PropheseeEvents(10); var ms = new MemoryStream(); Evt3Writer.Write(ms, e, new EventWriteOptions { Triggers = SomeTriggers }); return ms.ToArray(); }
    static byte[] Evt2() { using var e = PropheseeEvents(11); var ms = new MemoryStream(); Evt2Writer.Write(ms, e, new EventWriteOptions { Triggers = SomeTriggers }); return ms.ToArray(); }
    static byte[] Dat() { using var e = Random(600, 304, 240, 12); var ms = new MemoryStream(); DatWriter.Write(ms, e); return ms.ToArray(); }
    static byte[] MetavisionHdf5()
    {
        using var e = Random(300, 640, 480, 14);
        string path = Path.Combine(Path.GetTempPath(), $"eventsnn-robust-{Environment.ProcessId}-{Guid.NewGuid():N}.hdf5");
        try { MetavisionHdf5Writer.Write(path, e, new EventWriteOptions { Triggers = SomeTriggers }); return File.ReadAllBytes(path); }
        finally { File.Delete(path); }
    }

    /// <summary>Hand-built EVT 2.1 words (the project writes no EVT 2.1): masks, time highs, a trigger, others.</summary>
    internal static byte[] Evt21(bool legacy)
    {
        var ms = new MemoryStream();
        ms.Write(System.Text.Encoding.ASCII.GetBytes("% evt 2.1\n% format EVT21;height=480;width=640" + (legacy ? ";endianness=legacy" : "") + "\n% end\n"));
        var rng = new Random(13);
        void W(ulong w) => ms.Write(BitConverter.GetBytes(legacy ? (w << 32) | (w >> 32) : w));
        long t = 0;
        for (int i = 0; i < 300; i++)
        {
            if (i % 20 == 0) W((0x8UL << 60) | ((ulong)(t >> 6) << 32));
            t += rng.Next(3);
            ulong type = i % 37 == 5 ? 0xAUL : (ulong)rng.Next(2);
            W((type << 60) | ((ulong)(t & 63) << 54) | ((ulong)(32 * rng.Next(20)) << 43) | ((ulong)rng.Next(480) << 32) | (uint)rng.Next());
        }
        return ms.ToArray();
    }

    public static TheoryData<string> Cases() => ["aedat3.1", "aedat2", "bin", "csv", "aedat4-none", "aedat4-lz4", "aedat4-zstd", "aedat2-davis-header", "aedat3.1-fixture",
        "evt3", "evt2", "evt2.1", "evt2.1-legacy", "dat", "metavision-hdf5"];

    static (byte[] Bytes, string Name, int MinRecord) Valid(string c) => c switch
    {
        "aedat3.1" => (Aedat31(), "f.aedat", 8),
        "aedat3.1-fixture" => (File.ReadAllBytes(Fixtures.File("synthetic_dvs128_aedat31.aedat")), "f.aedat", 8),
        "aedat2" => (Aedat2(), "f.aedat", 8),
        "aedat2-davis-header" => (File.ReadAllBytes(Fixtures.File("tonic_sample_aedat_header.aedat")).Concat(DavisRecords()).ToArray(), "f.aedat", 8),
        "bin" => (Bin(), "f.bin", 5),
        "csv" => (Csv(), "f.csv", 8),
        "aedat4-none" => (Aedat4(Aedat4Compression.None), "f.aedat4", 1),
        "aedat4-lz4" => (Aedat4(Aedat4Compression.Lz4), "f.aedat4", 1),
        // Negative: at most −MinRecord events per byte (EVT 3.0: 12 per 2-byte word; EVT 2.1: 32 per 8-byte word).
        "evt3" => (Evt3(), "f.raw", -6),
        "evt2" => (Evt2(), "f.raw", 4),
        "evt2.1" => (Evt21(false), "f.raw", -4),
        "evt2.1-legacy" => (Evt21(true), "f.raw", -4),
        "dat" => (Dat(), "f.dat", 8),
        "metavision-hdf5" => (MetavisionHdf5(), "f.hdf5", -69), // the reader's 1100:1 expansion cap over 16-byte events
        _ => (Aedat4(Aedat4Compression.Zstd), "f.aedat4", 1),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DamagedCopiesDecodeOrRaiseTheTypedError(string kind)
    {
        var (valid, name, minRecord) = Valid(kind);
        List<(long, int, int, int)> original;
        using (var rec = ReadBytes(valid, name, new EventReadOptions { Strict = true })) original = Rows(rec.Events);
        // A stable seed per kind (string.GetHashCode is randomised per process), so a failure can be reproduced.
        var rng = new Random(kind.Aggregate(12345, (h, c) => unchecked(h * 31 + c)) & 0x7FFFFFFF);
        int decoded = 0, rejected = 0;
        for (int it = 0; it < Iterations; it++)
        {
            int mutation = it % 5;
            byte[] bytes = Mutate(valid, mutation, rng);
            bool strict = it % 2 == 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var rec = ReadBytes(bytes, name, new EventReadOptions { Strict = strict });
                decoded++;
                // AEDAT 4 events are 16 bytes but compressed; bound by the decompression cap instead of the size.
                long bound = minRecord == 1 ? (long)bytes.Length * 255 / 16 + 1 : minRecord < 0 ? (long)bytes.Length * -minRecord + 1 : bytes.Length / minRecord + 1;
                Assert.True(rec.Events.Count <= bound, $"{kind} #{it}: {rec.Events.Count} events from {bytes.Length} bytes");
                if (mutation == 1) // a pure cut: whatever decodes is a prefix of the original
                {
                    var rows = Rows(rec.Events);
                    Assert.True(rows.Count <= original.Count && rows.SequenceEqual(original.Take(rows.Count)),
                        $"{kind} #{it}: cut copy ({bytes.Length} of {valid.Length} bytes, strict={strict}) decoded to a non-prefix");
                }
            }
            catch (EventFormatException ex)
            {
                rejected++;
                Assert.Equal(name, ex.File);
                Assert.InRange(ex.Offset, 0, bytes.Length);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{kind} #{it} (mutation {mutation}, strict={strict}): {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // Bytes allocated over the whole read (not the peak, which the bounded batches keep small): 64 per input byte;
            // Metavision HDF5 may be stored compressed, so a damaged but in-cap dimension reads up to 69 events per file
            // byte, each through PureHDF's compound buffer and the columns (about 48 bytes per event in all).
            long perByte = kind == "metavision-hdf5" ? 48L * 69 : 64L;
            Assert.True(allocated < 48L * 1024 * 1024 + perByte * bytes.Length, $"{kind} #{it}: {allocated} bytes allocated for a {bytes.Length}-byte input");
        }
        Assert.True(rejected > 0 && decoded > 0, $"{kind}: decoded {decoded}, rejected {rejected}: the mutations should produce both");
    }

    static byte[] Mutate(byte[] valid, int mutation, Random rng)
    {
        byte[] b = (byte[])valid.Clone();
        switch (mutation)
        {
            case 0: // bit flips
                for (int k = rng.Next(1, 9); k > 0; k--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 1: // cut
                return b[..rng.Next(b.Length)];
            case 2: // garbage inserted
            {
                int at = rng.Next(b.Length), n = rng.Next(1, 33);
                var junk = new byte[n];
                rng.NextBytes(junk);
                return [.. b[..at], .. junk, .. b[at..]];
            }
            case 3: // a 32-bit word (size fields live at 4-byte positions) set to an extreme
            {
                int at = rng.Next(Math.Max(1, b.Length - 4));
                int[] extremes = [0, -1, int.MaxValue, int.MinValue, 0x10000000, 1 << 20, b.Length];
                BitConverter.GetBytes(extremes[rng.Next(extremes.Length)]).CopyTo(b, at);
                return b;
            }
            default: // cut and flip
            {
                var c = b[..Math.Max(1, rng.Next(b.Length))];
                c[rng.Next(c.Length)] ^= (byte)(1 << rng.Next(8));
                return c;
            }
        }
    }

    [Fact]
    public void DamagedLabelFilesParseOrRaiseTheTypedError()
    {
        byte[] valid = File.ReadAllBytes(Fixtures.File("dvsgesture_user01_natural_labels.csv"));
        var rng = new Random(77);
        for (int it = 0; it < 1000; it++)
        {
            byte[] bytes = Mutate(valid, it % 5, rng);
            try { GestureLabels.Parse(new MemoryStream(bytes), "l.csv"); }
            catch (EventFormatException ex) { Assert.InRange(ex.Offset, 0, bytes.Length); }
        }
    }
}
