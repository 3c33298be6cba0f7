using System.Text.Json;
using EventSnn.Datasets.Synthetic;
using EventSnn.Model;
using EventSnn.Model.Evaluation;
using EventSnn.Tests.Model;

namespace EventSnn.Tests.Portable;

/// <summary>`eventsnn eval --backend onnxruntime` against `--backend torch` through the real program.</summary>
[Collection(TorchCollection.Name)]
public class EvalBackendTests
{
    [Fact]
    public void EvalOnOnnxRuntimeDumpsTheSameOutputsAsOnTorchSharp()
    {
        string dir = Fixtures.TempDir("eventsnn-eval-backend");
        try
        {
            string data = Path.Combine(dir, "data");
            SyntheticGestureDataset.Generate(data, new SyntheticOptions { Trials = 5, WindowSeconds = 1.0, WriteArchive = false, Seed = 7 });
            var info = new ModelInfo
            {
                Arch = "tiny", T = 4, Classes = 11, Height = 32, Width = 32, Dataset = "dvsgesture",
                Frames = new FrameInfo { Downsample = 4, SensorWidth = 128, SensorHeight = 128, WindowEndUs = 1_000_000 },
            };
            string ckpt = Path.Combine(dir, "tiny.ckpt");
            using (var net = DyadicNetworks.Create(info, seed: 5)) Checkpoint.Save(ckpt, net, info);
            string cache = Path.Combine(dir, "cache"), torchDump = Path.Combine(dir, "torch.h5"), onnxDump = Path.Combine(dir, "onnx.h5");
            var a = EventSnnProcess.Run("eval", "--model", ckpt, "--data", data, "--cache", cache, "--json", "--dump", torchDump, "--batch-size", "3");
            Assert.True(a.Code == 0, a.Err + a.Out);
            var b = EventSnnProcess.Run("eval", "--model", ckpt, "--data", data, "--cache", cache, "--json", "--dump", onnxDump, "--batch-size", "3", "--backend", "onnxruntime", "--threads", "1");
            Assert.True(b.Code == 0, b.Err + b.Out);
            var x = OutputDump.Read(torchDump);
            var y = OutputDump.Read(onnxDump);
            Assert.True(x.N > 0);
            Assert.Equal(x.Labels, y.Labels);
            Assert.Equal(x.Outputs, y.Outputs);
            Assert.True(x.Outputs.Distinct().Count() > 2, "outputs should vary");
            using var ja = JsonDocument.Parse(a.Out);
            using var jb = JsonDocument.Parse(b.Out);
            Assert.Equal(ja.RootElement.GetProperty("accuracy_per_timestep").ToString(), jb.RootElement.GetProperty("accuracy_per_timestep").ToString());

            var bad = EventSnnProcess.Run("eval", "--model", ckpt, "--data", data, "--backend", "tensorrt");
            Assert.NotEqual(0, bad.Code);
        }
        finally { Directory.Delete(dir, true); }
    }
}
