using System.Formats.Tar;
using System.IO.Compression;
using EventSnn.Ingest;
using EventSnn.Ingest.Archives;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

public class ArchiveTests
{
    static string MakeArchives(out string zip, out string tar, out string tgz)
    {
        string dir = Fixtures.TempDir("ingest-archive");
        string src = Path.Combine(dir, "src", "DvsGesture");
        Directory.CreateDirectory(src);
        File.Copy(Fixtures.File("synthetic_dvs128_aedat31.aedat"), Path.Combine(src, "user01_led.aedat"));
        File.Copy(Fixtures.File("synthetic_dvs128_aedat31_labels.csv"), Path.Combine(src, "user01_led_labels.csv"));
        zip = Path.Combine(dir, "a.zip");
        ZipFile.CreateFromDirectory(Path.Combine(dir, "src"), zip);
        tar = Path.Combine(dir, "a.tar");
        TarFile.CreateFromDirectory(Path.Combine(dir, "src"), tar, includeBaseDirectory: false);
        tgz = Path.Combine(dir, "DvsGesture.tar.gz");
        using (var fs = File.Create(tgz))
        using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
        using (var t = File.OpenRead(tar))
            t.CopyTo(gz);
        return dir;
    }

    [Fact]
    public void EntriesAreListedAndReadInPlaceFromZipTarAndTarGz()
    {
        string dir = MakeArchives(out string zip, out string tar, out string tgz);
        try
        {
            using var expected = EventFile.ReadAll(Fixtures.File("synthetic_dvs128_aedat31.aedat"));
            foreach (string archive in new[] { zip, tar, tgz })
            {
                var names = EventArchive.List(archive);
                Assert.Contains("DvsGesture/user01_led.aedat", names);
                Assert.Contains("DvsGesture/user01_led_labels.csv", names);
                using var rec = EventFile.ReadAll(archive + "#DvsGesture/user01_led.aedat");
                Assert.Equal("aedat3.1", rec.Format);
                AssertSameEvents(expected.Events, rec.Events);
                using var labels = EventArchive.OpenEntry(archive, "DvsGesture/user01_led_labels.csv");
                Assert.Equal(2, GestureLabels.Parse(labels, "labels").Count);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ErrorsInsideAnEntryNameTheArchiveAndTheEntry()
    {
        string dir = Fixtures.TempDir("ingest-archive");
        try
        {
            string zip = Path.Combine(dir, "bad.zip");
            using (var z = ZipFile.Open(zip, ZipArchiveMode.Create))
            using (var s = z.CreateEntry("x/bad.aedat").Open())
                s.Write("#!AER-DAT3.1\r\n#!END-HEADER\r\n\x01\x00"u8);
            var ex = Assert.Throws<EventFormatException>(() => EventFile.ReadAll(zip + "#x/bad.aedat", new EventReadOptions { Strict = true }));
            Assert.Equal(zip, ex.File);
            Assert.Equal("x/bad.aedat", ex.Entry);
            Assert.Equal(28, ex.Offset);
            Assert.Throws<FileNotFoundException>(() => EventFile.ReadAll(zip + "#x/missing.aedat"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CorruptGzipIsATypedError()
    {
        string dir = MakeArchives(out _, out _, out string tgz);
        try
        {
            byte[] bytes = File.ReadAllBytes(tgz);
            for (int i = 40; i < bytes.Length - 20; i += 7) bytes[i] ^= 0x5A;
            File.WriteAllBytes(tgz, bytes);
            Assert.ThrowsAny<IOException>(() => { using var r = EventFile.ReadAll(tgz + "#DvsGesture/user01_led.aedat"); });
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("DvsGesture/user01.aedat", true)]
    [InlineData("../etc/passwd", false)]
    [InlineData("/abs/x", false)]
    [InlineData("a/../../b", false)]
    [InlineData("C:/x", false)]
    [InlineData("a\\b", false)]
    [InlineData("", false)]
    public void UnsafeEntryNamesAreRecognised(string name, bool safe) => Assert.Equal(safe, EventArchive.IsSafeRelativeName(name));
}
