using EventSnn.Ingest;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Tests.Pipeline;

public class SpifWordsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EncodeDecodeRoundTrip(bool timestamps)
    {
        using var events = new EventBatch(4, 640, 480);
        events.Add(4_294_967_000, 0, 0, 0);
        events.Add(4_294_967_290, 639, 479, 1);
        events.Add(4_294_967_300, 0x7FFF, 17, 1); // past a 32-bit wrap
        var buf = new byte[64];
        int n = SpifWords.Encode(events, 0, 3, timestamps, buf);
        Assert.Equal(timestamps ? 24 : 12, n);
        Assert.Equal(3, SpifWords.Validate(buf.AsSpan(0, n), out _));
        using var back = new EventBatch(1, 640, 480);
        var clock = new SpifTimestampUnwrapper();
        SpifWords.Decode(buf.AsSpan(0, n), 3, ref clock, 777, back);
        Assert.Equal(3, back.Count);
        Assert.Equal(events.X.ToArray(), back.X.ToArray());
        Assert.Equal(events.Y.ToArray(), back.Y.ToArray());
        Assert.Equal(events.P.ToArray(), back.P.ToArray());
        Assert.Equal(timestamps ? new long[] { 4_294_967_000, 4_294_967_290, 4_294_967_300 } : new long[] { 777, 777, 777 }, back.T.ToArray());
    }

    [Fact]
    public void WordLayoutIsAeStreams()
    {
        using var events = new EventBatch(1, 128, 128);
        events.Add(0, 3, 5, 1);
        var buf = new byte[4];
        SpifWords.Encode(events, 0, 1, false, buf);
        Assert.Equal(0x8000_0000u | (3u << 16) | (1u << 15) | 5u, BitConverter.ToUInt32(buf));
    }

    [Fact]
    public void MalformedDatagramsAreRecognised()
    {
        Assert.Equal(-1, SpifWords.Validate(new byte[6], out int off));
        Assert.Equal(4, off);
        // An event word without the no-timestamp flag as the last word: its timestamp is missing.
        var buf = new byte[8];
        BitConverter.TryWriteBytes(buf, 0x8000_0001u);
        BitConverter.TryWriteBytes(buf.AsSpan(4), 0x0000_0002u);
        Assert.Equal(-1, SpifWords.Validate(buf, out off));
        Assert.Equal(4, off);
        Assert.Equal(0, SpifWords.Validate(ReadOnlySpan<byte>.Empty, out _));
    }

    [Fact]
    public void TimestampsUnwrapAcrossWrapsAndSmallReorderings()
    {
        var clock = new SpifTimestampUnwrapper();
        Assert.Equal(4_294_967_000L, clock.Unwrap(4_294_967_000u));
        Assert.Equal(4_294_967_396L, clock.Unwrap(100u));            // wrapped
        Assert.Equal(4_294_966_900L, clock.Unwrap(4_294_966_900u));  // a late datagram from before the wrap
        Assert.Equal(4_294_967_496L, clock.Unwrap(200u));
    }
}

public class ReplayPacerTests
{
    [Fact]
    public void ChunksHoldTheEventsDueWithinAMillisecondOfWallTime()
    {
        long[] t = [0, 100, 900, 1999, 2000, 2500, 9000];
        var paced = new EventSnn.Pipeline.Servers.ReplayPacer(2); // 2x: 2 ms of event time per ms of wall time
        Assert.Equal(4, paced.ChunkLength(t, 0, int.MaxValue));
        Assert.Equal(2, paced.ChunkLength(t, 4, int.MaxValue));
        Assert.Equal(1, paced.ChunkLength(t, 4, 1));
        var unpaced = new EventSnn.Pipeline.Servers.ReplayPacer(0);
        Assert.Equal(7, unpaced.ChunkLength(t, 0, int.MaxValue));
        Assert.Equal(3, unpaced.ChunkLength(t, 4, int.MaxValue));
        Assert.Equal(5, unpaced.ChunkLength(t, 0, 5));
    }
}
