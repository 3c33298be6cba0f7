using System.Text.Json;
using EventSnn.Ingest.Binning;
using PureHDF;

namespace EventSnn.Tests.Binning;

public sealed class EventsFramesCommandTests
{
    [Fact]
    public void WritesTheFixtureFramesToHdf5()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string output = Path.Combine(dir, "frames.h5");
            var (code, stdout, stderr) = EventSnnProcess.Run("events", "frames", Fixtures.File("tonic_sample_nmnist.bin"), output,
                "--rule", "sj-time:4", "--width", "34", "--height", "34", "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.Equal([1295, 910, 601, 1519], doc.RootElement.GetProperty("events_per_frame").EnumerateArray().Select(v => v.GetInt32()));
            using var file = H5File.OpenRead(output);
            float[] data = file.Dataset("frames").Read<float[]>();
            Assert.Equal([4UL, 2, 34, 34], file.Dataset("frames").Space.Dimensions);
            Assert.Equal("sj-time:4", file.Attribute("rule").Read<string>());
            Assert.Equal("345c78eb71ca75ef27c912a1ee6f73fb8dd25daafb3942e1be1ee565a5515abe",
                FixtureReferenceTests.Sha256Int32(new Frames(data, 4, 34, 34)));

            (code, _, stderr) = EventSnnProcess.Run("events", "frames", Fixtures.File("tonic_sample_nmnist.bin"), output, "--rule", "sj-time:x");
            Assert.Equal(2, code);
            Assert.Contains("sj-time:x", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }
}
