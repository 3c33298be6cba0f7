using System.Text.Json;
using EventSnn.Datasets;
using EventSnn.Ingest;
using EventSnn.Ingest.Binning;
using EventSnn.Model;
using EventSnn.Pipeline.Binning;
using Xunit;

namespace EventSnn.Tests.Model;

/// <summary>
/// <see cref="ModelInput"/>: the input a checkpoint expects, read from its stored description, for checkpoints written
/// before it existed (a committed fixture and the older JSON forms) and for the descriptions it writes itself.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ModelInputTests
{
    /// <summary>A dataset of the given sensor size without samples (frame settings need only the geometry).</summary>
    sealed class Geometry(string name, int width, int height, int classes) : IEventDataset
    {
        public string Name => name;
        public IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, classes).Select(k => $"c{k}").ToArray();
        public int SensorWidth => width;
        public int SensorHeight => height;
        public IReadOnlyList<DatasetSample> Samples(DatasetSplit split) => [];
        public EventBatch LoadEvents(DatasetSample sample) => throw new NotSupportedException();
    }

    static readonly IEventDataset Gesture = new Geometry("dvsgesture", 128, 128, 11);

    static ModelInfo FromJson(string json) => ProjectJson.Deserialize<ModelInfo>(json)!;

    /// <summary>
    /// <c>model_input_tiny_v1.ckpt</c>: a "tiny" network as `eventsnn train --dataset dvsgesture --arch tiny --T 4
    /// --downsample 8` recorded it (rule text, window, downsampling, sensor and cache key in its frame settings).
    /// </summary>
    [Fact]
    public void Checkpoint_fixture_loads_and_derives_its_offline_and_online_input()
    {
        var (net, info) = Checkpoint.Load(Fixtures.File("model_input_tiny_v1.ckpt"));
        using var _ = net;
        var input = ModelInput.Of(info);

        Assert.Equal("equal-time:4,end=1300000", input.Rule.Spec);
        Assert.Equal((4, 2, 16, 16), (input.T, input.Channels, input.Height, input.Width));
        Assert.Equal("dvsgesture", input.Dataset);
        Assert.Null(input.Conversion);

        var settings = input.FrameSettingsFor(Gesture);
        Assert.Equal(new FrameSettings(4, 16, 16, 8, "equal-time:4,end=1300000"), settings);
        Assert.Equal(info.Frames!.Options["cacheKey"], settings.Key);

        Assert.Equal(325_000, input.BinWidthUs);
        var online = OnlineBinningOptions.ForModel(input);
        Assert.Equal((325_000L, 0, 16, 16, 8, 128, 128),
            (online.WindowUs, online.EventsPerBin, online.Width, online.Height, online.Downsample, online.SensorWidth, online.SensorHeight));
        online.Validate();
        Assert.Equal(1000, OnlineBinningOptions.ForModel(input, eventsPerBin: 1000).EventsPerBin);

        // What the code writes today for the same dataset and settings is what the fixture holds.
        Assert.Equal(info.Frames, ModelInput.FramesFor(Gesture, settings) with { Options = info.Frames.Options });
        Assert.Equal(info.Frames.Options, ModelInput.FramesFor(Gesture, settings).Options);
    }

    /// <summary>The default rule name "equal-time-slices" (frame settings written without a rule text) reads as the method's T equal slices over the window.</summary>
    [Fact]
    public void Equal_time_slices_default_is_the_method_rule_over_the_recorded_window()
    {
        var info = FromJson("""
            {"arch":"tiny","t":8,"classes":11,"height":32,"width":32,"dataset":"dvsgesture",
             "frames":{"downsample":4,"sensorWidth":128,"sensorHeight":128,"windowStartUs":100000,"windowEndUs":900000}}
            """);
        Assert.Equal(FrameInfo.EqualTimeSlices, info.Frames!.Rule);
        var input = ModelInput.Of(info);
        Assert.Equal(BinningRule.EqualTimeSlices(8, 100_000, 900_000), input.Rule);
        Assert.Equal(new FrameSettings(8, 32, 32, 4, "equal-time:8,start=100000,end=900000"), input.FrameSettingsFor(Gesture));
        Assert.Equal(100_000, input.BinWidthUs);

        var whole = ModelInput.Of(FromJson("""{"arch":"tiny","t":8,"frames":{"rule":"equal-time-slices","downsample":2}}"""));
        Assert.Equal("equal-time:8", whole.Rule.Spec);
        Assert.Null(whole.BinWidthUs);
        var e = Assert.Throws<ArgumentException>(() => OnlineBinningOptions.ForModel(whole));
        Assert.Contains("does not record its sample window", e.Message);
    }

    /// <summary>Checkpoints without frame settings (NIR imports) take equal slices of the whole sample, downsampled to the input width.</summary>
    [Fact]
    public void No_frame_settings_downsample_the_dataset_to_the_input()
    {
        var input = ModelInput.Of(new ModelInfo { Arch = "tiny", T = 5, Height = 32, Width = 32 });
        Assert.Equal("equal-time:5", input.Rule.Spec);
        Assert.Null(input.RecordedDownsample);
        Assert.Equal(new FrameSettings(5, 32, 32, 4, "equal-time:5"), input.FrameSettingsFor(Gesture));
        Assert.Equal((1, 32, 32), (input.Downsample, input.SensorWidth, input.SensorHeight));
    }

    [Fact]
    public void A_rule_that_does_not_parse_is_invalid_data()
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelInput.Of(new ModelInfo { Frames = new FrameInfo { Rule = "no-such-rule:3" } }));
        Assert.Contains("no-such-rule", e.Message);
    }

    /// <summary>A converted checkpoint that needs its whole sample cannot be streamed; a causal one can.</summary>
    [Fact]
    public void Streaming_needs_causal_conversion_input()
    {
        var frames = new FrameInfo { Rule = "equal-time:4,end=400000", Downsample = 4, SensorWidth = 128, SensorHeight = 128, WindowEndUs = 400_000 };
        var repeat = new ModelInfo { T = 4, Height = 32, Width = 32, Kind = "converted", Frames = frames, Input = new ConversionInput() };
        Assert.Contains("input mode 'repeat'", Assert.Throws<ArgumentException>(() => OnlineBinningOptions.ForModel(ModelInput.Of(repeat))).Message);
        var causal = repeat with { Input = new ConversionInput { Mode = ConversionInput.Causal, Scale = 4 } };
        Assert.Equal(100_000, OnlineBinningOptions.ForModel(ModelInput.Of(causal)).WindowUs);
    }

    /// <summary>What <see cref="ModelInput.Describe"/> writes reads back as the frame settings it was made from.</summary>
    [Theory]
    [InlineData(16, 1, 0L, 1_300_000L)]
    [InlineData(10, 4, 0L, long.MaxValue)]
    [InlineData(6, 2, 50_000L, 650_000L)]
    public void Describe_round_trips_through_a_checkpoint(int t, int downsample, long start, long end)
    {
        var settings = FrameSettings.For(Gesture, t, downsample, start, end);
        var info = ModelInput.Describe("tiny", Gesture, settings);
        Assert.Equal(("tiny", t, 11, 2, "dvsgesture", "snn"), (info.Arch, info.T, info.Classes, info.InputChannels, info.Dataset, info.Kind));
        string dir = Fixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "m.ckpt");
            using (var net = Architectures.Create(info)) Checkpoint.Save(path, net, info);
            var input = ModelInput.Of(Checkpoint.ReadInfo(path));
            Assert.Equal(settings, input.FrameSettingsFor(Gesture));
            Assert.Equal(end == long.MaxValue ? null : (end - start) / t, input.BinWidthUs);
        }
        finally { Directory.Delete(dir, true); }
    }
}
