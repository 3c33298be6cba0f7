using EventSnn.Model;
using EventSnn.Model.Portable;
using EventSnn.Tests.Model;

namespace EventSnn.Tests.Portable;

/// <summary>`eventsnn model export|import|inspect` through the real program.</summary>
[Collection(TorchCollection.Name)]
public class ModelCommandTests
{
    [Fact]
    public void ExportImportAndInspectThroughTheCli()
    {
        string dir = Fixtures.TempDir("eventsnn-model-cli");
        try
        {
            var info = new ModelInfo { Arch = "tiny", T = 3, Classes = 4, Height = 16, Width = 16, Dataset = "dvsgesture" };
            string ckpt = Path.Combine(dir, "tiny.ckpt"), nir = Path.Combine(dir, "tiny.nir"), back = Path.Combine(dir, "back.ckpt");
            using (var net = DyadicNetworks.Create(info, seed: 6)) Checkpoint.Save(ckpt, net, info);

            var export = EventSnnProcess.Run("model", "export", ckpt, "--nir", nir, "--dt", "0.001");
            Assert.True(export.Code == 0, export.Err + export.Out);
            Assert.Contains("0_conv", export.Out);
            Assert.Contains("0_conv + 1_bn", export.Out);
            Assert.Equal(1e-3, NirFile.Read(nir).Dt);

            var inspect = EventSnnProcess.Run("model", "inspect", nir);
            Assert.True(inspect.Code == 0, inspect.Err + inspect.Out);
            Assert.Contains("Conv2d", inspect.Out);
            Assert.Contains("SumPool2d", inspect.Out);
            Assert.Contains("imports as: ", inspect.Out);
            Assert.Contains("maxpool", inspect.Out);

            var import = EventSnnProcess.Run("model", "import", nir, "--out", back, "--T", "3");
            Assert.True(import.Code == 0, import.Err + import.Out);
            var (a, _) = Checkpoint.Load(ckpt);
            var (b, backInfo) = Checkpoint.Load(back);
            using (a)
            using (b)
            using (var x = DyadicNetworks.Counts([3, 2, 2, 16, 16], 3, seed: 1))
            {
                Assert.Equal("dvsgesture", backInfo.Dataset);
                Assert.Equal(DyadicNetworks.Trace(a, x).Outputs, DyadicNetworks.Trace(b, x).Outputs);
            }
            string onnx = Path.Combine(dir, "tiny.onnx");
            var toOnnx = EventSnnProcess.Run("model", "export", ckpt, "--onnx", onnx);
            Assert.True(toOnnx.Code == 0, toOnnx.Err + toOnnx.Out);
            Assert.Contains("opset 17, IR 8", toOnnx.Out);
            var inspectOnnx = EventSnnProcess.Run("model", "inspect", onnx);
            Assert.True(inspectOnnx.Code == 0, inspectOnnx.Err + inspectOnnx.Out);
            Assert.Contains("input  state_0", inspectOnnx.Out);
            Assert.Contains("[batch, 2, 16, 16]", inspectOnnx.Out);
            Assert.Contains("step graph: 2 membrane states", inspectOnnx.Out);
            using (var a2 = Checkpoint.Load(ckpt).Net)
            using (var session = EventSnn.Model.Portable.OnnxStepSession.Open(onnx))
            using (var x = DyadicNetworks.Counts([3, 2, 2, 16, 16], 3, seed: 2))
            {
                var expected = DyadicNetworks.Trace(a2, x).Outputs;
                session.EnsureSlots(2);
                var got = new float[3 * 2 * 4];
                for (int t = 0; t < 3; t++)
                {
                    using var xt = x[t];
                    using var f = xt.contiguous();
                    session.Step([0, 1], f.data<float>().ToArray(), got.AsSpan(t * 8, 8));
                }
                Assert.Equal(expected, got);
            }
            var inspectCkpt = EventSnnProcess.Run("model", "inspect", ckpt);
            Assert.True(inspectCkpt.Code == 0, inspectCkpt.Err + inspectCkpt.Out);
            Assert.Contains("NIR nodes:", inspectCkpt.Out);

            // Refusals: one error line, exit code 2, nothing written.
            var tebnInfo = info with { Tebn = true };
            string tebn = Path.Combine(dir, "tebn.ckpt");
            using (var net = Architectures.Create(tebnInfo)) Checkpoint.Save(tebn, net, tebnInfo);
            var refused = EventSnnProcess.Run("model", "export", tebn, "--nir", Path.Combine(dir, "tebn.nir"));
            Assert.Equal(2, refused.Code);
            Assert.StartsWith("error: ", refused.Err);
            Assert.Contains("1_tebn", refused.Err);
            Assert.False(File.Exists(Path.Combine(dir, "tebn.nir")));

            var rng = new Random(3);
            float[] R(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(-8, 9) / 256f).ToArray();
            var graph = NirTests.SnnTorchStyleGraph(R(72), R(4), R(3 * 4 * 64), R(3), 0.5, 1.0, 8);
            graph.Nodes[2] = new NirNode("1", "Delay").With("delay", NirArray.Float64([1.0], 1));
            string bad = Path.Combine(dir, "delay.nir");
            NirFile.Write(bad, graph);
            var badImport = EventSnnProcess.Run("model", "import", bad, "--out", Path.Combine(dir, "delay.ckpt"), "--dt", "1e-4");
            Assert.Equal(2, badImport.Code);
            Assert.Contains("node '1' (Delay)", badImport.Err);
            Assert.False(File.Exists(Path.Combine(dir, "delay.ckpt")));

            var missing = EventSnnProcess.Run("model", "import", Path.Combine(dir, "nope.nir"), "--out", Path.Combine(dir, "x.ckpt"));
            Assert.Equal(2, missing.Code);
            Assert.Contains("nope.nir", missing.Err);
            var notHdf5 = EventSnnProcess.Run("model", "inspect", ckpt + ".nir");
            Assert.Equal(2, notHdf5.Code);
            File.WriteAllText(Path.Combine(dir, "text.nir"), "not hdf5");
            var text = EventSnnProcess.Run("model", "inspect", Path.Combine(dir, "text.nir"));
            Assert.Equal(2, text.Code);
            Assert.Contains("not an HDF5 file", text.Err);
        }
        finally { Directory.Delete(dir, true); }
    }
}
