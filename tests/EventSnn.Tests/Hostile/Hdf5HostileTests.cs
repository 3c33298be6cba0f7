using PureHDF;
using static EventSnn.Tests.Hostile.ErrorContractTests;

namespace EventSnn.Tests.Hostile;

/// <summary>HDF5 inputs built to crash or exhaust the reader: soft-link loops, huge declared sizes.</summary>
public class Hdf5HostileTests
{
    static void WriteEvents(string path, Func<H5Group, H5Group>? edit = null, object? extraRoot = null)
    {
        var g = new H5Group
        {
            ["t"] = new H5Dataset(new long[] { 1, 2, 3 }),
            ["x"] = new H5Dataset(new ushort[] { 1, 2, 3 }),
            ["y"] = new H5Dataset(new ushort[] { 1, 2, 3 }),
            ["p"] = new H5Dataset(new byte[] { 0, 1, 0 }),
        };
        var f = new H5File { ["events"] = edit?.Invoke(g) ?? g };
        if (extraRoot is H5Group data) f["data"] = data;
        f.Write(path);
    }

    [Fact]
    public void ASoftLinkToItselfIsOneErrorLineNotAStackOverflow()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string loop = Path.Combine(dir, "loop.h5");
            WriteEvents(loop, g => { g["t"] = new H5SoftLink("/events/t"); return g; });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", loop), "loop.h5", "soft-link loop");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("stream", "replay", loop, "--tcp-listen", "0"), "loop.h5");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "convert", loop, Path.Combine(dir, "o.csv")), "loop.h5");

            // two links pointing at each other
            string pair = Path.Combine(dir, "pair.h5");
            WriteEvents(pair, g => { g["t"] = new H5SoftLink("/events/x"); g["x"] = new H5SoftLink("/events/t"); return g; });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", pair), "pair.h5");

            // a legitimate soft link still resolves
            string ok = Path.Combine(dir, "ok.h5");
            WriteEvents(ok, g => { g["t"] = new H5SoftLink("/data/t"); return g; }, new H5Group { ["t"] = new H5Dataset(new long[] { 5, 6, 7 }) });
            var m = EventSnnProcess.RunMeasured("events", "inspect", ok, "--json");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("\"t_first_us\": 5", m.Out);

            // the report reads eval --dump files: the same walk guards them
            string dump = Path.Combine(dir, "dump.h5");
            new H5File { ["outputs"] = new H5SoftLink("/outputs"), ["labels"] = new H5Dataset(new long[] { 0 }) }.Write(dump);
            AssertOneErrorLine(EventSnnProcess.RunMeasured("report", dump, "--out", Path.Combine(dir, "r")), "dump.h5");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ADumpDeclaringMoreOutputsThanItHoldsIsRefusedBeforeAllocating()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string dump = Path.Combine(dir, "huge.h5");
            // a dump of [7, 3, 5] whose dataspace is patched to [10^6, 64, 1000]: 256 GB declared in a file of a few KB
            new H5File
            {
                ["outputs"] = new H5Dataset(new float[7 * 3 * 5], fileDims: [7, 3, 5]),
                ["labels"] = new H5Dataset(new long[7]),
            }.Write(dump);
            byte[] bytes = File.ReadAllBytes(dump);
            byte[] dataspace = [2, 3, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0];
            int at = bytes.AsSpan().IndexOf(dataspace);
            Assert.True(at > 0);
            BitConverter.TryWriteBytes(bytes.AsSpan(at + 4), 1_000_000UL);
            BitConverter.TryWriteBytes(bytes.AsSpan(at + 12), 64UL);
            BitConverter.TryWriteBytes(bytes.AsSpan(at + 20), 1000UL);
            File.WriteAllBytes(dump, bytes);
            AssertOneErrorLine(EventSnnProcess.RunMeasured("report", dump, "--out", Path.Combine(dir, "r")), "huge.h5", "declares");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AFileDeclaringATrillionEventsIsRefusedAtOnce()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "trillion.h5");
            WriteEvents(path, g => new H5Group
            {
                ["t"] = new H5Dataset(new long[1000]), ["x"] = new H5Dataset(new ushort[1000]),
                ["y"] = new H5Dataset(new ushort[1000]), ["p"] = new H5Dataset(new byte[1000]),
            });
            // patch the four dataspace messages (version 2, rank 1, simple) from 1000 to 10^12 elements
            byte[] bytes = File.ReadAllBytes(path);
            byte[] dataspace = [2, 1, 0, 1, 0xE8, 3, 0, 0, 0, 0, 0, 0];
            int patched = 0;
            for (int i = bytes.AsSpan().IndexOf(dataspace); i >= 0; i = bytes.AsSpan().IndexOf(dataspace))
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i + 4), 1_000_000_000_000UL);
                patched++;
            }
            Assert.Equal(4, patched);
            File.WriteAllBytes(path, bytes);
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "convert", path, Path.Combine(dir, "o.bin")), "trillion.h5", "1000000000000 events declared");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", path), "trillion.h5");
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }
}
