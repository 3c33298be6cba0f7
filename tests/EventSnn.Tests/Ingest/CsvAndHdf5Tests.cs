using EventSnn.Ingest;
using PureHDF;
using static EventSnn.Tests.Ingest.IngestTestData;

namespace EventSnn.Tests.Ingest;

public class CsvAndHdf5Tests
{
    [Fact]
    public void CsvHeaderMayReorderColumnsAndCommentsGiveTheSize()
    {
        byte[] text = "# width=64 height=48 source=cam\r\nx,y,t,p\r\n1,2,100,1\r\n\r\n3,4,-5,0\n"u8.ToArray();
        using var rec = ReadBytes(text, "e.csv");
        Assert.Equal([(100L, 1, 2, 1), (-5L, 3, 4, 0)], Rows(rec.Events));
        Assert.Equal((64, 48, "cam"), (rec.Width, rec.Height, rec.Source));
    }

    [Fact]
    public void CsvBadRowNamesItsOffset()
    {
        byte[] text = "t,x,y,p\n1,2,3,1\n1,2,three,1\n"u8.ToArray();
        var ex = Assert.Throws<EventFormatException>(() => ReadBytes(text, "e.csv"));
        Assert.Equal(16 + 4, ex.Offset);
    }

    [Fact]
    public void Hdf5LayoutIsTheDocumentedOne()
    {
        string dir = Fixtures.TempDir("ingest-h5");
        try
        {
            string path = Path.Combine(dir, "e.h5");
            using var events = Random(70_000, 128, 128, seed: 21);
            Hdf5EventWriter.Write(path, events, "DVS128");
            using (var f = H5File.OpenRead(path))
            {
                var g = f.Group("events");
                Assert.Equal(128, g.Attribute("width").Read<int>());
                Assert.Equal(128, g.Attribute("height").Read<int>());
                Assert.Equal(events.T.ToArray(), g.Dataset("t").Read<long[]>());
                Assert.Equal(events.X.ToArray(), g.Dataset("x").Read<ushort[]>());
                Assert.Equal(events.P.ToArray(), g.Dataset("p").Read<byte[]>());
                Assert.Equal(H5DataLayoutClass.Chunked, g.Dataset("t").Layout.Class);
            }
            using var rec = EventFile.ReadAll(path);
            Assert.Equal("DVS128", rec.Source);
            AssertSameEvents(events, rec.Events);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Hdf5WithoutTheEventsGroupIsATypedError()
    {
        string dir = Fixtures.TempDir("ingest-h5");
        try
        {
            string path = Path.Combine(dir, "other.h5");
            new H5File { ["data"] = new H5Dataset(new[] { 1, 2, 3 }) }.Write(path);
            var ex = Assert.Throws<EventFormatException>(() => EventFile.ReadAll(path));
            Assert.Contains("/events", ex.Message);
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
            Assert.Throws<EventFormatException>(() => EventFile.ReadAll(path));
        }
        finally { Directory.Delete(dir, true); }
    }
}
