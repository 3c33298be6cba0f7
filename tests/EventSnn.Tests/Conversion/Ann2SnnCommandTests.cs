using System.Text.Json;
using EventSnn.Model;
using EventSnn.Model.Conversion;

namespace EventSnn.Tests.Conversion;

/// <summary>`eventsnn ann2snn` end to end through the real program, and `eventsnn eval` on its checkpoint.</summary>
public class Ann2SnnCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void CifarArchiveTrainsConvertsExportsAndReimports()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string archive = ConversionTestData.WriteCifar10(dir, train: 240, test: 80);
            string ckpt = Path.Combine(dir, "cifar.ckpt"), pth = Path.Combine(dir, "ann.pth");
            var common = new[] { "ann2snn", "--dataset", "cifar10", "--root", archive, "--arch", "tiny-vgg", "--levels", "8", "--rcs-alpha", "0.003",
                                 "--T", "16", "--batch", "32", "--threads", "1", "--json" };
            var (code, stdout, stderr) = EventSnnProcess.Run(Limit, dir, common.Concat(new[] {
                "--epochs", "4", "--lr", "0.01", "--optimizer", "adam", "--weight-decay", "0", "--seed", "7", "--out", ckpt, "--export-pt", pth }).ToArray());
            Assert.True(code == 0, stderr);
            using var summary = JsonDocument.Parse(stdout);
            double ann = summary.RootElement.GetProperty("annAccuracy").GetDouble();
            var snn = summary.RootElement.GetProperty("snnAccuracy").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(16, snn.Length);
            Assert.Equal(4, summary.RootElement.GetProperty("epochs").GetArrayLength());
            Assert.True(ann >= 0.8, $"ANN accuracy {ann}");
            Assert.True(snn[^1] >= ann - 0.05, $"SNN accuracy at T=16 {snn[^1]} vs ANN {ann}");
            Assert.True(File.Exists(ckpt + ".conversion.json"));

            var info = Checkpoint.ReadInfo(ckpt);
            Assert.Equal("converted", info.Kind);
            Assert.Equal("tiny-vgg", info.Arch);
            Assert.Equal("cifar10", info.Dataset);
            Assert.Equal(2, info.Neuron.LayerThresholds!.Length);
            var (net, _) = Checkpoint.Load(ckpt);
            using (net) Assert.IsType<ConvertedNetwork>(net);

            // The exported state dict brings back the same ANN, hence the same SNN.
            string again = Path.Combine(dir, "imported.ckpt");
            (code, stdout, stderr) = EventSnnProcess.Run(Limit, dir, common.Concat(new[] { "--import-pt", pth, "--out", again }).ToArray());
            Assert.True(code == 0, stderr);
            using var imported = JsonDocument.Parse(stdout);
            Assert.Equal(ann, imported.RootElement.GetProperty("annAccuracy").GetDouble());
            Assert.Equal(snn, imported.RootElement.GetProperty("snnAccuracy").EnumerateArray().Select(e => e.GetDouble()).ToArray());
            Assert.Equal(0, imported.RootElement.GetProperty("epochs").GetArrayLength());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SyntheticGesturesConvertAndEvaluateWithEval()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string data = Path.Combine(dir, "gestures"), cache = Path.Combine(dir, "cache"), ckpt = Path.Combine(dir, "gesture.ckpt");
            var (code, _, stderr) = EventSnnProcess.Run(Limit, dir, "data", "synth", "--out", data, "--trials", "5", "--window", "1.0");
            Assert.True(code == 0, stderr);
            string stdout;
            (code, stdout, stderr) = EventSnnProcess.Run(Limit, dir, "ann2snn", "--dataset", "dvsgesture", "--root", data, "--arch", "tiny-vgg",
                "--T", "4", "--epochs", "2", "--batch", "16", "--lr", "0.01", "--optimizer", "adam", "--weight-decay", "0",
                "--cache", cache, "--out", ckpt, "--threads", "1", "--json");
            Assert.True(code == 0, stderr);
            using var summary = JsonDocument.Parse(stdout);
            var snn = summary.RootElement.GetProperty("snnAccuracy").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(4, snn.Length);
            var info = Checkpoint.ReadInfo(ckpt);
            Assert.Equal("converted", info.Kind);
            Assert.Equal("dvsgesture", info.Dataset);
            Assert.Equal(2, info.InputChannels);
            Assert.Equal(32, info.Height);

            // The cutoff area's evaluation loads the converted checkpoint unchanged and sees the same accuracies.
            (code, stdout, stderr) = EventSnnProcess.Run(Limit, dir, "eval", "--model", ckpt, "--data", data, "--cache", cache, "--json");
            Assert.True(code == 0, stderr);
            using var eval = JsonDocument.Parse(stdout);
            var perStep = eval.RootElement.GetProperty("accuracy_per_timestep").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(snn.Select(a => Math.Round(a, 6)), perStep.Select(a => Math.Round(a, 6)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadArchiveIsReportedWithoutACrash()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string archive = Path.Combine(dir, "cifar-10-binary.tar.gz");
            File.WriteAllBytes(archive, new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3 });
            var (code, _, stderr) = EventSnnProcess.Run(Limit, dir, "ann2snn", "--dataset", "cifar10", "--root", archive, "--arch", "tiny-vgg",
                "--epochs", "1", "--out", Path.Combine(dir, "x.ckpt"));
            Assert.Equal(2, code);
            Assert.Contains(archive, stderr);
        }
        finally { Directory.Delete(dir, true); }
    }
}
