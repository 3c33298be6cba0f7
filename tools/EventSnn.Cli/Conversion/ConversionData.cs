using EventSnn.Cli.Model;
using System.Globalization;
using EventSnn.Datasets;
using EventSnn.Model;
using EventSnn.Model.Conversion;

namespace EventSnn.Cli.Conversion;

/// <summary>
/// Training and test frames for `eventsnn ann2snn`: CIFAR images (the same frame at every SNN timestep) or event
/// samples collapsed to one frame for the ANN, fed to the SNN as that frame at every step (repeat) or slice by slice
/// (causal, the body seeing T × the running mean).
/// </summary>
internal sealed class ConversionData : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    public required IStaticFrameSource Train { get; init; }
    public required IStaticFrameSource Test { get; init; }
    public required string DatasetName { get; init; }
    public required int T { get; init; }

    /// <summary>What the converted network's body receives each step.</summary>
    public required ConversionInputMode Mode { get; init; }

    /// <summary>Input factor of the converted network: T for causal event slices, else 1.</summary>
    public double InputScale => Mode == ConversionInputMode.Causal ? T : 1.0;

    /// <summary>How the input is built, as recorded in the checkpoint (mode and scale are filled in from the network).</summary>
    public required ConversionInput Input { get; init; }

    /// <summary>How event frames were made (null for images).</summary>
    public FrameInfo? Frames { get; init; }

    public string Describe { get; init; } = "";

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }

    public static ConversionData Load(Ann2SnnRequest r)
    {
        if (CifarArchive.ParseName(r.Dataset) is { } variant) return LoadCifar(r, variant);
        return LoadEvents(r);
    }

    private static ConversionData LoadCifar(Ann2SnnRequest r, CifarVariant variant)
    {
        if (r.InputMode != ConversionInput.Repeat)
            throw new ArgumentException($"--input-mode {r.InputMode.Name()} needs event data; images are fed unchanged at every step (repeat)");
        var normalization = variant == CifarVariant.Cifar10 ? ImageNormalization.Cifar10 : ImageNormalization.Cifar100;
        var train = CifarArchive.Read(r.Root, variant, DatasetSplit.Train, r.MaxTrain > 0 ? r.MaxTrain : null);
        var test = CifarArchive.Read(r.Root, variant, DatasetSplit.Test, r.MaxTest > 0 ? r.MaxTest : null);
        return new ConversionData
        {
            Train = new ImageFrameSource(train, normalization, r.Augment ? new ImageAugmentation() : null),
            Test = new ImageFrameSource(test, normalization),
            DatasetName = CifarArchive.DatasetName(variant),
            T = r.T ?? 32,
            Mode = ConversionInputMode.Repeat,
            Input = new ConversionInput { Source = ConversionInput.Images, Mean = normalization.Mean, Std = normalization.Std },
            Describe = $"{CifarArchive.DatasetName(variant)} at {r.Root}: {train.Count} train / {test.Count} test images 3x32x32",
        };
    }

    private static ConversionData LoadEvents(Ann2SnnRequest r)
    {
        var ds = DatasetCatalog.Open(r.Dataset, r.Root);
        int t = r.T ?? 16;
        var (startUs, endUs) = TrainRunner.ParseWindow(r.Window, ds.Name);
        var settings = FrameSettings.For(ds, t, r.Downsample, startUs, endUs);
        string cacheDir = CacheLocation.Resolve(r.CacheDir);
        var train = FrameCache.GetOrBuild(ds, DatasetSplit.Train, settings, cacheDir, Progress(DatasetSplit.Train));
        var test = FrameCache.GetOrBuild(ds, DatasetSplit.Test, settings, cacheDir, Progress(DatasetSplit.Test));
        var usedTrain = r.MaxTrain > 0 && r.MaxTrain < train.Count ? train.Subset(Shuffled(train.Count, r.Seed).Take(r.MaxTrain).ToList()) : train;
        var usedTest = r.MaxTest > 0 && r.MaxTest < test.Count ? test.Subset(Enumerable.Range(0, r.MaxTest).ToList()) : test;
        var data = new ConversionData
        {
            Train = new CollapsedEventFrames(ds.Name, usedTrain, r.Augment ? RandomTranslation.ForDownsample(r.Downsample, r.Seed) : null),
            Test = new CollapsedEventFrames(ds.Name, usedTest),
            DatasetName = ds.Name,
            T = t,
            Mode = r.InputMode,
            Input = new ConversionInput { Source = ConversionInput.Events },
            Frames = ModelInput.FramesFor(ds, settings),
            Describe = $"{ds.Name} at {r.Root}: {usedTrain.Count} train / {usedTest.Count} test samples, {t} slices of 2x{settings.Height}x{settings.Width} ({settings.Rule}) collapsed to one frame for the ANN, SNN input {r.InputMode.Name()}",
        };
        foreach (var set in new[] { train, test, usedTrain, usedTest }.Distinct()) data._owned.Add(set);
        return data;
    }

    private static IProgress<FrameCacheProgress> Progress(DatasetSplit split) => new Progress<FrameCacheProgress>(p =>
    {
        if (p.Total > 0 && (p.Done == p.Total || p.Done % 50 == 0))
            Console.Error.WriteLine($"  frames {split.ToString().ToLowerInvariant()}: {p.Stage} {p.Done}/{p.Total}");
    });

    private static int[] Shuffled(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }
}
