using EventSnn.Ingest;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest.Prophesee;

/// <summary>
/// Damage aimed at what the Prophesee formats hold: type nibbles of words flipped, TIME_HIGH words sent backwards,
/// cuts inside the header and inside words, DAT size bytes that do not divide the body. A read decodes or raises the
/// typed error naming the file and an offset inside it; never another exception, and never more events than the
/// words can carry.
/// </summary>
public class PropheseeDamageTests
{
    static (byte[] Bytes, int DataStart, int WordSize) Valid(string kind)
    {
        using var e = Random(800, 640, 480, seed: kind.Length, t0: (1L << 24) - 4000, maxStep: 20);
        var ms = new MemoryStream();
        ExternalTrigger[] trig = [new((1L << 24) - 100, 1, 1)];
        switch (kind)
        {
            case "evt3": Evt3Writer.Write(ms, e, new EventWriteOptions { Triggers = trig }); break;
            case "evt2": Evt2Writer.Write(ms, e, new EventWriteOptions { Triggers = trig }); break;
            case "evt2.1": ms.Write(RobustnessTests.Evt21(false)); break;
            default: DatWriter.Write(ms, e); break;
        }
        byte[] b = ms.ToArray();
        int start = kind == "dat" ? b.AsSpan().IndexOf("% Width 640\n"u8) + 12 + 2 : b.AsSpan().IndexOf("% end\n"u8) + 6;
        return (b, start, kind switch { "evt3" => 2, "evt2" => 4, "evt2.1" => 8, _ => 8 });
    }

    static void ReadOrTypedError(byte[] bytes, string name, string what, int maxEventsPerByte)
    {
        foreach (bool strict in new[] { false, true })
        {
            try
            {
                using var rec = ReadBytes(bytes, name, new EventReadOptions { Strict = strict });
                Assert.True(rec.Events.Count <= (long)bytes.Length * maxEventsPerByte, $"{what}: {rec.Events.Count} events from {bytes.Length} bytes");
            }
            catch (EventFormatException ex)
            {
                Assert.Equal(name, ex.File);
                Assert.InRange(ex.Offset, 0, bytes.Length);
            }
        }
    }

    [Theory]
    [InlineData("evt3")]
    [InlineData("evt2")]
    [InlineData("evt2.1")]
    public void TypeNibbleFlipsCutsAndBackwardTimeDecodeOrRaiseTheTypedError(string kind)
    {
        var (valid, start, ws) = Valid(kind);
        int perByte = kind == "evt3" ? 6 : kind == "evt2.1" ? 4 : 1;
        var rng = new Random(kind.GetHashCode() & 0xFFFF);
        int words = (valid.Length - start) / ws;
        for (int it = 0; it < 400; it++)
        {
            byte[] b = (byte[])valid.Clone();
            int w = start + rng.Next(words) * ws;
            switch (it % 4)
            {
                case 0: // a bit of the type nibble (the top 4 bits of the little-endian word)
                    b[w + ws - 1] ^= (byte)(0x10 << rng.Next(4));
                    break;
                case 1: // a TIME_HIGH word somewhere, going backwards
                    if (ws == 2) { b[w] = (byte)rng.Next(4); b[w + 1] = 0x80; }
                    else { Array.Clear(b, w, ws); b[w + ws - 1] = 0x80; b[w + ws - 4] |= (byte)rng.Next(2); } // lowest bit of the time value
                    break;
                case 2: // a cut inside a word
                    b = b[..(w + 1 + rng.Next(ws - 1))];
                    break;
                default: // a cut inside the header
                    b = b[..rng.Next(1, start)];
                    break;
            }
            ReadOrTypedError(b, "d.raw", $"{kind} #{it}", perByte);
        }
    }

    [Fact]
    public void TimeHighGoingBackwardsIsCountedNotFatal()
    {
        var (valid, start, _) = Valid("evt3");
        var b = new List<byte>(valid[..start]) { 0x10, 0x80, 0x01, 0x20, 0x00, 0x80, 0x02, 0x20 }; // TIME_HIGH 16, x=1, TIME_HIGH 0, x=2
        using var rec = ReadBytes([.. b], "b.raw", new EventReadOptions { Strict = true });
        Assert.Equal([16L << 12, 0L], rec.Events.T.ToArray());
        Assert.Equal("1", rec.Metadata["time_high_backwards"]);
    }

    [Fact]
    public void DatSizeBytesThatDoNotFitAreTypedErrorsAndBodiesThatDoNotDivideAreCut()
    {
        var (valid, start, _) = Valid("dat");
        for (int size = 0; size < 256; size++)
        {
            byte[] b = (byte[])valid.Clone();
            b[start - 1] = (byte)size;
            if (size == 8) { using var ok = ReadBytes(b, "s.dat", new EventReadOptions { Strict = true }); Assert.Equal(800, ok.Events.Count); continue; }
            var ex = Assert.Throws<EventFormatException>(() => ReadBytes(b, "s.dat"));
            Assert.Equal(start - 1, ex.Offset);
        }
        for (int extra = 1; extra < 8; extra++)
        {
            byte[] b = [.. valid, .. new byte[extra]];
            var ex = Assert.Throws<EventFormatException>(() => ReadBytes(b, "s.dat", new EventReadOptions { Strict = true }));
            Assert.Equal(valid.Length, ex.Offset);
            using var rec = ReadBytes(b, "s.dat");
            Assert.Equal(800, rec.Events.Count);
            Assert.Contains("warning", rec.Metadata.Keys);
        }
    }
}
