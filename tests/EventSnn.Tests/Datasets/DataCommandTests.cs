using System.Text.Json;

namespace EventSnn.Tests.Datasets;

public sealed class DataCommandTests
{
    [Fact]
    public void SynthThenInfoThroughTheCli()
    {
        string dir = Fixtures.TempDir();
        try
        {
            var (code, stdout, stderr) = EventSnnProcess.Run("data", "synth", "--out", dir, "--trials", "3", "--window", "0.4", "--seed", "5", "--json");
            Assert.True(code == 0, stderr);
            using var synth = JsonDocument.Parse(stdout);
            Assert.Equal(2, synth.RootElement.GetProperty("train_trials").GetInt32());
            Assert.Equal(1, synth.RootElement.GetProperty("test_trials").GetInt32());
            Assert.True(File.Exists(Path.Combine(dir, "DvsGesture.tar.gz")));

            (code, stdout, stderr) = EventSnnProcess.Run("data", "info", Path.Combine(dir, "DvsGesture.tar.gz"), "--json");
            Assert.True(code == 0, stderr);
            using var info = JsonDocument.Parse(stdout);
            Assert.Equal("dvsgesture", info.RootElement.GetProperty("dataset").GetString());
            Assert.Equal(synth.RootElement.GetProperty("train_samples").GetInt32(), info.RootElement.GetProperty("train").GetProperty("samples").GetInt32());
            Assert.Equal(synth.RootElement.GetProperty("test_samples").GetInt32(), info.RootElement.GetProperty("test").GetProperty("samples").GetInt32());
            Assert.Equal(11, info.RootElement.GetProperty("test").GetProperty("per_class").GetArrayLength());

            File.Delete(Path.Combine(dir, "DvsGesture", "trials_to_test.txt"));
            File.Delete(Path.Combine(dir, "DvsGesture", "user01_fluorescent_labels.csv"));
            (code, _, stderr) = EventSnnProcess.Run("data", "info", Path.Combine(dir, "DvsGesture"));
            Assert.Equal(2, code);
            Assert.Contains("user01_fluorescent_labels.csv", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }
}
