using EventSnn.Ingest;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest.Prophesee;

/// <summary>Metavision HDF5: uncompressed round trip with triggers, standard filters, ECF refused, layout checks.</summary>
public class MetavisionHdf5Tests
{
    /// <summary>A pass-through filter under an id next to ECF's, so a test file can be patched into an "ECF" one.</summary>
    sealed class PassThrough : IH5Filter
    {
        public const ushort Id = 36558;
        public ushort FilterId => Id;
        public string Name => "ecf";
        public Memory<byte> Filter(FilterInfo info) => info.Buffer;
        public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) => [];
    }

    [Fact]
    public void WriteThenReadGivesTheSameEventsTriggersAndSize()
    {
        string dir = Fixtures.TempDir("mv-h5");
        try
        {
            string path = Path.Combine(dir, "r.hdf5");
            using var events = Random(40_000, 1280, 720, seed: 6);
            ExternalTrigger[] triggers = [new(10, 0, 1), new(20_000, 1, 0)];
            EventFile.Write(path, events, new EventWriteOptions { Hdf5Layout = "metavision", Triggers = triggers });
            using var back = EventFile.ReadAll(path);
            Assert.Equal("metavision-hdf5", back.Format);
            Assert.Equal((1280, 720), (back.Width, back.Height));
            AssertSameEvents(events, back.Events);
            Assert.Equal(triggers, back.Triggers);
            Assert.Equal("1.0", back.Metadata["version"]);

            using var f = H5File.OpenRead(path);
            var cd = f.Dataset("CD/events");
            Assert.Equal(16, (int)cd.Type.Size);
            Assert.Equal(["x", "y", "p", "t"], cd.Type.Compound.Members.Select(m => m.Name));
            Assert.Equal([0, 2, 4, 8], cd.Type.Compound.Members.Select(m => m.Offset));
            Assert.Equal([16384UL], cd.Layout.Chunks.Take(1).Select(c => (ulong)c));
            var idx = f.Dataset("CD/indexes").Read<MetavisionIndex[]>();
            Assert.Equal(events.T[^1] / 2000 + 1, idx.Length);
            for (int e = 1; e < idx.Length; e++)
            {
                int k = (int)idx[e].Id;
                Assert.True(k == events.Count || events.T[k] >= idx[e].Ts);
                Assert.True(events.T[k - 1] < idx[e].Ts);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    static void WriteWithFilter(string path, EventBatch events, H5Filter filter)
    {
        var cd = new MetavisionCdEvent[events.Count];
        for (int i = 0; i < cd.Length; i++) cd[i] = new MetavisionCdEvent { X = events.X[i], Y = events.Y[i], P = events.P[i], T = events.T[i] };
        var file = new H5File
        {
            ["CD"] = new H5Group { ["events"] = new H5Dataset(cd, chunks: [4096], datasetCreation: new H5DatasetCreation(Filters: [filter])) },
        };
        file.Write(path, new H5WriteOptions(FieldNameMapper: f => f.Name.ToLowerInvariant()));
    }

    [Fact]
    public void DeflateCompressedEventsAreRead()
    {
        string dir = Fixtures.TempDir("mv-h5");
        try
        {
            string path = Path.Combine(dir, "d.h5");
            using var events = Random(10_000, 640, 480, seed: 7);
            WriteWithFilter(path, events, new H5Filter(DeflateFilter.Id));
            using var back = EventFile.ReadAll(path, new EventReadOptions { SensorWidth = 640, SensorHeight = 480 });
            Assert.Equal("metavision-hdf5", back.Format);
            Assert.Equal("caller", back.Metadata["sensor_size_from"]);
            AssertSameEvents(events, back.Events);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EcfCompressedEventsAreRefusedNamingTheFilterAndTheRoute()
    {
        string dir = Fixtures.TempDir("mv-h5");
        try
        {
            H5Filter.Register(new PassThrough());
            string path = Path.Combine(dir, "ecf.hdf5");
            using var events = Random(5000, 640, 480, seed: 8);
            WriteWithFilter(path, events, new H5Filter(PassThrough.Id));
            // Rewrite the filter id in the pipeline message: 36558 → 36559 (ECF).
            byte[] bytes = File.ReadAllBytes(path);
            var id = BitConverter.GetBytes(PassThrough.Id);
            // The id inside the filter pipeline message is followed by its name; event data may hold the same two bytes.
            var hits = Enumerable.Range(0, bytes.Length - 16).Where(i => bytes[i] == id[0] && bytes[i + 1] == id[1]
                && bytes.AsSpan(i + 2, 14).IndexOf("ecf"u8) >= 0).ToList();
            Assert.Single(hits);
            int at = hits[0];
            BitConverter.GetBytes((ushort)MetavisionHdf5Layout.EcfFilterId).CopyTo(bytes, at);
            File.WriteAllBytes(path, bytes);

            var ex = Assert.Throws<EventFormatException>(() => EventFile.ReadAll(path));
            Assert.Contains("36559", ex.Message);
            Assert.Contains("ECF", ex.Message);
            Assert.Contains("metavision_file_to_raw", ex.Message);
            var (code, _, err) = EventSnnProcess.Run("events", "inspect", path);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", err);
            Assert.Contains("36559", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ACdDatasetOfAnotherLayoutIsATypedError()
    {
        string dir = Fixtures.TempDir("mv-h5");
        try
        {
            string path = Path.Combine(dir, "o.h5");
            var file = new H5File { ["CD"] = new H5Group { ["events"] = new H5Dataset(new long[] { 1, 2, 3 }) } };
            file.Write(path);
            var ex = Assert.Throws<EventFormatException>(() => EventFile.ReadAll(path));
            Assert.Contains("compound /CD/events", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConvertWritesMetavisionHdf5ThroughTheCli()
    {
        string dir = Fixtures.TempDir("mv-h5");
        try
        {
            string outPath = Path.Combine(dir, "n.hdf5");
            var (code, _, err) = EventSnnProcess.Run("events", "convert", Fixtures.File("tonic_sample_nmnist.bin"), outPath, "--hdf5-layout", "metavision");
            Assert.True(code == 0, err);
            using var a = EventFile.ReadAll(Fixtures.File("tonic_sample_nmnist.bin"));
            using var b = EventFile.ReadAll(outPath);
            Assert.Equal("metavision-hdf5", b.Format);
            AssertSameEvents(a.Events, b.Events);
        }
        finally { Directory.Delete(dir, true); }
    }
}
