using System.IO.Compression;
using System.Text;
using System.Text.Json;
using EventSnn.Model;
using EventSnn.Model.Conversion;
using EventSnn.Model.Cutoff;
using EventSnn.Model.Evaluation;

namespace EventSnn.Tests.Model;

public class ProjectJsonTests
{
    // info.json and metadata.json exactly as checkpoints were written with camelCase keys.
    const string CamelCaseInfo = """
        {
          "arch": "tiny",
          "t": 4,
          "classes": 3,
          "classNames": [
            "left",
            "right",
            "none"
          ],
          "inputChannels": 2,
          "height": 8,
          "width": 8,
          "neuron": {
            "kind": "if",
            "threshold": 1,
            "tau": 1,
            "reset": "soft",
            "surrogateWidth": 1,
            "initialMembrane": 0.5,
            "layerThresholds": [
              0.5,
              0.75
            ]
          },
          "tebn": false,
          "dataset": "dvsgesture",
          "frames": {
            "rule": "equal-time-slices",
            "downsample": 16,
            "sensorWidth": 128,
            "sensorHeight": 128,
            "windowStartUs": 0,
            "windowEndUs": 1500000,
            "options": {
              "sliceCount": "4"
            }
          },
          "kind": "converted",
          "input": {
            "source": "events",
            "mode": "causal",
            "scale": 4
          }
        }
        """;

    const string CamelCaseMetadata = """
        {
          "epoch": "3",
          "epochs": "10",
          "bestEpoch": "2",
          "bestAccuracy": "0.625",
          "selection": "last epoch",
          "loss": "tet",
          "rcsAlpha": "0",
          "validationAccuracy": "0.5"
        }
        """;

    [Fact]
    public void CheckpointInfoWithCamelCaseKeysStillReads()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "old.ckpt");
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
                foreach (var (name, text) in new[] { ("info.json", CamelCaseInfo), ("metadata.json", CamelCaseMetadata) })
                    using (var s = zip.CreateEntry(name).Open())
                        s.Write(Encoding.UTF8.GetBytes(text));

            var info = Checkpoint.ReadInfo(path);
            Assert.Equal(["left", "right", "none"], info.ClassNames);
            Assert.Equal((2, 8, 8, 4), (info.InputChannels, info.Height, info.Width, info.T));
            Assert.Equal(NeuronKind.If, info.Neuron.Kind);
            Assert.Equal(NeuronReset.Soft, info.Neuron.Reset);
            Assert.Equal(0.5, info.Neuron.InitialMembrane);
            Assert.Equal([0.5, 0.75], info.Neuron.LayerThresholds!);
            Assert.Equal((128, 128, 1_500_000L), (info.Frames!.SensorWidth, info.Frames.SensorHeight, info.Frames.WindowEndUs));
            // Keys of free-form maps are data, not property names: they stay as written.
            Assert.Equal("4", info.Frames.Options["sliceCount"]);
            Assert.Equal(new ConversionInput { Source = ConversionInputSource.Events, Mode = ConversionInputMode.Causal, Scale = 4 }, info.Input);
            info.Validate();

            // Resume reads these keys back; they are written and read as they always were.
            var meta = Checkpoint.ReadMetadata(path);
            Assert.Equal("0.625", meta["bestAccuracy"]);
            Assert.Equal("2", meta["bestEpoch"]);
            Assert.Equal("3", meta["epoch"]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TrainLogWithCamelCaseKeysStillReads()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string log = Path.Combine(dir, "train-log.jsonl");
            File.WriteAllLines(log,
            [
                """{"epoch":1,"learningRate":0.1,"loss":2.5,"taskLoss":2.25,"rcsLoss":0.25,"trainAccuracy":0.5,"validationAccuracy":0.375,"testAccuracy":null,"seconds":1.5,"rcsMaskedSamples":3,"rcsSilentExclusions":1}""",
                """{"epoch":2,"learning_rate":0.05,"loss":2,"task_loss":2,"rcs_loss":0,"train_accuracy":0.75,"validation_accuracy":0.5,"test_accuracy":0.25,"seconds":1.25,"rcs_masked_samples":0,"rcs_silent_exclusions":0}""",
            ]);
            var records = Trainer.ReadLog(log);
            Assert.Equal(new EpochRecord(1, 0.1, 2.5, 2.25, 0.25, 0.5, 0.375, null, 1.5, 3, 1), records[0]);
            Assert.Equal(new EpochRecord(2, 0.05, 2, 2, 0, 0.75, 0.5, 0.25, 1.25, 0, 0), records[1]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WritesSnakeCaseKeysAndEnumSpellings()
    {
        var info = new ModelInfo
        {
            Kind = "converted", ClassNames = ["a", "b"], Classes = 2, Neuron = NeuronSettings.If(),
            Input = new ConversionInput { Mode = ConversionInputMode.Causal, Scale = 16 },
        };
        string json = ProjectJson.Serialize(info);
        Assert.Contains("\"class_names\"", json);
        Assert.Contains("\"input_channels\"", json);
        Assert.Contains("\"initial_membrane\"", json);
        Assert.Contains("\"kind\": \"if\"", json);
        Assert.Contains("\"reset\": \"soft\"", json);
        Assert.Contains("\"mode\": \"causal\"", json);
        Assert.Contains("\"source\": \"events\"", json);
        Assert.DoesNotContain("classNames", json);
        Assert.Equal(ProjectJson.Serialize(info), ProjectJson.Serialize(ProjectJson.Deserialize<ModelInfo>(json)));

        string cutoff = ProjectJson.Serialize(new CutoffResult { Policy = CutoffPolicyKind.TopKRisk, Parameter = "delta", Setting = 0.1 });
        Assert.Contains("\"policy\": \"topk-risk\"", cutoff);
        Assert.Contains("\"mean_timesteps\"", cutoff);
    }

    [Fact]
    public void UnknownEnumSpellingsAreRefused()
    {
        Assert.Throws<JsonException>(() => ProjectJson.Deserialize<NeuronSettings>("""{ "kind": "izhikevich" }"""));
        Assert.Throws<JsonException>(() => ProjectJson.Deserialize<ConversionInput>("""{ "mode": "sometimes" }"""));
        Assert.Throws<JsonException>(() => ProjectJson.Deserialize<NeuronSettings>("""{ "reset": 1 }"""));
    }

    [Fact]
    public void EnumSpellingsAreTheCommandLineNames()
    {
        Assert.Equal(["fixed", "topk", "topk-risk", "softmax", "entropy", "conformal"], Enum.GetValues<CutoffPolicyKind>().Select(k => k.Name()));
        foreach (var k in Enum.GetValues<CutoffPolicyKind>()) Assert.Equal(k, CutoffPolicies.Parse(k.Name()));
        Assert.Equal(["validation", "test", "last"], Enum.GetValues<CheckpointSelection>().Select(k => k.Name()));
        Assert.Equal(["tet", "mean"], Enum.GetValues<TaskLoss>().Select(k => k.Name()));
        Assert.Equal(["sgd", "adam"], Enum.GetValues<OptimizerKind>().Select(k => k.Name()));
        Assert.Equal(["lif", "if"], Enum.GetValues<NeuronKind>().Select(k => k.Name()));
        Assert.Equal(["hard", "soft"], Enum.GetValues<NeuronReset>().Select(k => k.Name()));
        Assert.Equal(["repeat", "causal"], Enum.GetValues<ConversionInputMode>().Select(k => k.Name()));
        Assert.Equal(TaskLoss.Mean, Losses.Parse("MEAN"));
        Assert.Equal("unknown cutoff policy 'TopK' (topk, topk-risk, softmax, entropy, conformal, fixed)",
            Assert.Throws<ArgumentException>(() => CutoffPolicies.Parse("TopK")).Message);
    }
}
