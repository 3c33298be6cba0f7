using System.IO.Compression;
using System.Text;
using PureHDF;
using static EventSnn.Tests.Hostile.ErrorContractTests;

namespace EventSnn.Tests.Hostile;

/// <summary>Archives built to spin, exhaust memory or pass off damaged data: each ends with rc 2 and one line, in bounded time and memory.</summary>
public class ArchiveHostileTests
{
    /// <summary>A 512-byte ustar header with a valid checksum; <paramref name="size"/> is the 12-byte size field as given.</summary>
    internal static byte[] TarHeader(string name, byte[] size, char type = '0')
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        size.CopyTo(h, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        for (int i = 148; i < 156; i++) h[i] = (byte)' ';
        int sum = h.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    internal static byte[] Octal(long v) => Encoding.ASCII.GetBytes(Convert.ToString(v, 8).PadLeft(11, '0') + "\0");

    static byte[] Base256(long v)
    {
        var f = new byte[12];
        f[0] = 0x80;
        for (int i = 11; i >= 4; i--) { f[i] = (byte)v; v >>= 8; }
        return f;
    }

    [Fact]
    public void HugeTarSizesAreCheckedAgainstTheBytesPresentWithoutSpinning()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string csv = "t,x,y,p\n1,2,3,1\n";
            // base-256 size 2^62 in a 2 KB tar, plain and gzipped
            string tar = Path.Combine(dir, "base256.tar");
            File.WriteAllBytes(tar, [.. TarHeader("a.csv", Base256(1L << 62)), .. Encoding.ASCII.GetBytes(csv.PadRight(1536, '\0'))]);
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", tar + "#a.csv"), "base256.tar", "a.csv");
            string tgz = Path.Combine(dir, "base256.tar.gz");
            using (var gz = new GZipStream(File.Create(tgz), CompressionLevel.Fastest)) gz.Write(File.ReadAllBytes(tar));
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", tgz + "#b.csv"), "base256.tar.gz");
            AssertOneErrorLine(EventSnnProcess.RunMeasured("data", "info", tgz), "base256.tar.gz");

            // the largest octal size (8^11 - 1 bytes) and a PAX size of 10^18 in front of a small entry
            string octal = Path.Combine(dir, "octal.tar");
            File.WriteAllBytes(octal, [.. TarHeader("a.csv", Octal((1L << 33) - 1)), .. new byte[1024]]);
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", octal + "#a.csv"), "octal.tar");
            string pax = Path.Combine(dir, "pax.tar");
            byte[] record = Encoding.ASCII.GetBytes("28 size=1000000000000000000\n");
            File.WriteAllBytes(pax, [.. TarHeader("PaxHeader", Octal(record.Length), 'x'), .. record, .. new byte[512 - record.Length],
                .. TarHeader("a.csv", Octal(csv.Length)), .. Encoding.ASCII.GetBytes(csv.PadRight(512, '\0')), .. new byte[1024]]);
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", pax + "#a.csv"), "pax.tar", "a.csv");

            // and a well-formed tar still reads
            string good = Path.Combine(dir, "good.tar");
            File.WriteAllBytes(good, [.. TarHeader("a.csv", Octal(csv.Length)), .. Encoding.ASCII.GetBytes(csv.PadRight(512, '\0')), .. new byte[1024]]);
            var m = EventSnnProcess.RunMeasured("events", "inspect", good + "#a.csv", "--json");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("\"events\": 1", m.Out);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A zip with one deflated entry; <paramref name="patch"/> edits the local and central headers' fields afterwards.</summary>
    static void WriteZip(string path, string entry, Action<Stream> content, Action<byte[], int, int>? patch = null)
    {
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry(entry, CompressionLevel.Fastest).Open())
            content(s);
        if (patch is null) return;
        byte[] b = File.ReadAllBytes(path);
        int local = b.AsSpan().IndexOf("PK\u0003\u0004"u8);
        int central = b.AsSpan().IndexOf("PK\u0001\u0002"u8);
        patch(b, local, central);
        File.WriteAllBytes(path, b);
    }

    static void Zeros(Stream s, long count)
    {
        var buf = new byte[1 << 20];
        for (long left = count; left > 0; left -= buf.Length) s.Write(buf, 0, (int)Math.Min(buf.Length, left));
    }

    [Fact]
    public void ZipEntriesAreHeldToTheirDeclaredSizeAndCrc()
    {
        string dir = Fixtures.TempDir();
        try
        {
            byte[] csv = Encoding.ASCII.GetBytes("t,x,y,p\n1,2,3,1\n2,2,3,0\n");
            // declares 1000 bytes, holds 64 MiB
            string liar = Path.Combine(dir, "liar.zip");
            WriteZip(liar, "a.csv", s => { s.Write(csv); Zeros(s, 64 << 20); }, (b, local, central) =>
            {
                BitConverter.TryWriteBytes(b.AsSpan(local + 22), 1000u);
                BitConverter.TryWriteBytes(b.AsSpan(central + 24), 1000u);
            });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", liar + "#a.csv"), "liar.zip#a.csv", "1000 bytes");

            // data that no longer match the CRC
            string crc = Path.Combine(dir, "crc.zip");
            WriteZip(crc, "a.csv", s => s.Write(csv), (b, local, central) =>
            {
                b[local + 14] ^= 0xFF;
                b[central + 16] ^= 0xFF;
            });
            AssertOneErrorLine(EventSnnProcess.RunMeasured("events", "inspect", crc + "#a.csv"), "crc.zip#a.csv", "CRC-32");

            // a ceiling below the entry's size (EVENTSNN_MAX_ENTRY_BYTES)
            string ok = Path.Combine(dir, "ok.zip");
            WriteZip(ok, "a.csv", s => s.Write(csv));
            var m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["EVENTSNN_MAX_ENTRY_BYTES"] = "10" }, null,
                "events", "inspect", ok + "#a.csv");
            AssertOneErrorLine(m, "EVENTSNN_MAX_ENTRY_BYTES");
            m = EventSnnProcess.RunMeasured("events", "inspect", ok + "#a.csv", "--json");
            Assert.True(m.Code == 0, m.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnHdf5EntryIsSpilledToATemporaryFileNotBufferedInMemory()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string h5 = Path.Combine(dir, "small.h5");
            new H5File
            {
                ["events"] = new H5Group
                {
                    ["t"] = new H5Dataset(new long[] { 10, 20 }), ["x"] = new H5Dataset(new ushort[] { 1, 2 }),
                    ["y"] = new H5Dataset(new ushort[] { 1, 2 }), ["p"] = new H5Dataset(new byte[] { 1, 0 }),
                },
            }.Write(h5);
            // the HDF5 file followed by 1.2 GiB of zeros (trailing bytes are allowed): buffered whole, it would pass 1 GiB
            string zip = Path.Combine(dir, "big.zip");
            WriteZip(zip, "rec.h5", s => { s.Write(File.ReadAllBytes(h5)); Zeros(s, 1200L << 20); });
            Assert.True(new FileInfo(zip).Length < 32 << 20, $"zip of {new FileInfo(zip).Length} bytes");
            var m = EventSnnProcess.RunMeasured(TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["TMPDIR"] = dir }, null,
                "events", "inspect", zip + "#rec.h5", "--json");
            Assert.True(m.Code == 0, m.ToString());
            Assert.Contains("\"events\": 2", m.Out);
            Assert.True(m.PeakRssKiB < 600 * 1024, m.ToString());
            Assert.DoesNotContain(Directory.GetFiles(dir), f => Path.GetFileName(f).StartsWith("eventsnn-h5-"));  // the spill is gone
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AHugeTrialListIsRefusedNotReadWhole()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string tgz = Path.Combine(dir, "DvsGesture.tar.gz");
            const long size = 64L << 20;
            using (var gz = new GZipStream(File.Create(tgz), CompressionLevel.Fastest))
            {
                gz.Write(TarHeader("DvsGesture/trials_to_train.txt", Octal(size)));
                var line = Encoding.ASCII.GetBytes(new string('a', 1 << 20));
                for (long i = 0; i < size; i += line.Length) gz.Write(line);
                gz.Write(new byte[1024]);
            }
            AssertOneErrorLine(EventSnnProcess.RunMeasured("data", "info", tgz, "--dataset", "dvsgesture"), "trials_to_train.txt", "at most 1048576 bytes");
        }
        finally { Directory.Delete(dir, true); }
    }
}
