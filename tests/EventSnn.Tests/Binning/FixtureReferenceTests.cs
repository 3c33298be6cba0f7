using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;

namespace EventSnn.Tests.Binning;

/// <summary>Every slicing rule against frames_reference_tonic_sample_nmnist.json: index ranges, per-frame counts and SHA-256 of the frames.</summary>
public sealed class FixtureReferenceTests
{
    static readonly JsonElement Results = JsonDocument.Parse(File.ReadAllText(Fixtures.File("frames_reference_tonic_sample_nmnist.json")))
        .RootElement.GetProperty("results");

    public static TheoryData<string, string> Cases => new()
    {
        { "spikingjelly split_by=number T=4", "sj-number:4" },
        { "spikingjelly split_by=time T=4", "sj-time:4" },
        { "tonic ToFrame n_event_bins=4", "tonic-event-bins:4" },
        { "tonic ToFrame n_time_bins=4", "tonic-time-bins:4" },
        { "tonic ToFrame time_window=100000", "tonic-time-window:100000" },
        { "tonic ToFrame time_window=100000 include_incomplete", "tonic-time-window:100000,incomplete" },
        { "spikingjelly duration=100000 (current refactored utils)", "sj-duration:100000" },
        { "spikingjelly duration=100000 (0.0.0.0.14)", "sj-duration:100000,legacy" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RuleReproducesReference(string reference, string spec)
    {
        JsonElement expected = Results.GetProperty(reference);
        using EventBatch events = NmnistSample.Load();
        Assert.Equal(4325, events.Count);
        BinningRule rule = BinningRule.Parse(spec);
        Assert.Equal(spec, rule.Spec);

        EventSlice[] slices = EventBinner.Slices(events.T, rule);
        int[][] ranges = expected.GetProperty("index_ranges").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(ranges.Length, slices.Length);
        for (int i = 0; i < ranges.Length; i++)
            Assert.Equal((ranges[i][0], ranges[i][1]), (slices[i].Start, slices[i].End));

        Frames frames = EventBinner.Bin(events, rule, NmnistSample.Size, NmnistSample.Size);
        int[][] sums = expected.GetProperty("per_frame_channel_sums").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        for (int t = 0; t < frames.T; t++)
        {
            Assert.Equal(sums[t][0], (int)frames.ChannelSum(t, 0));
            Assert.Equal(sums[t][1], (int)frames.ChannelSum(t, 1));
        }
        Assert.Equal(expected.GetProperty("sha256_frames_int32le_TxCxHxW").GetString(), Sha256Int32(frames));
    }

    [Fact]
    public void FixtureSampleDecodesAsDocumented()
    {
        using EventBatch events = NmnistSample.Load();
        Assert.Equal((654L, (ushort)7, (ushort)15, (byte)1), events[0]);
        Assert.Equal((311175L, (ushort)21, (ushort)14, (byte)1), events[events.Count - 1]);
    }

    internal static string Sha256Int32(Frames frames)
    {
        var bytes = new byte[frames.Data.Length * 4];
        for (int i = 0; i < frames.Data.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), checked((int)frames.Data[i]));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
