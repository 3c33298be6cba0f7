using EventSnn.Cli;
using EventSnn.Ingest.Archives;
using static EventSnn.Tests.Hostile.ErrorContractTests;

namespace EventSnn.Tests.Hostile;

/// <summary>Inputs the fuzz harnesses found (tests/fixtures/fuzz): each ends in success or one bad-input error.</summary>
public class FuzzRegressionTests
{
    static IEnumerable<string> Files(string pattern) => Directory.GetFiles(Path.Combine(Fixtures.Dir, "fuzz"), pattern).Order(StringComparer.Ordinal);

    [Fact]
    public void Hdf5FindingsEndInOneErrorLine()
    {
        var files = Files("hdf5-*.h5").ToList();
        Assert.NotEmpty(files);
        foreach (string f in files)
        {
            var m = EventSnnProcess.RunMeasured("events", "inspect", f);
            if (m.Code != 0) AssertOneErrorLine(m, Path.GetFileName(f));
        }
    }

    [Fact]
    public void ArchiveFindingsAreFormatErrors()
    {
        var files = Files("zip-*.zip").Concat(Files("targz-*.tar.gz")).ToList();
        Assert.True(files.Count >= 2);
        foreach (string f in files)
        {
            try
            {
                foreach (string entry in EventArchive.List(f))
                {
                    using var s = EventArchive.OpenEntry(f, entry);
                    var buf = new byte[1 << 16];
                    while (s.Read(buf) > 0) { }
                }
            }
            catch (Exception e) when (CliErrors.IsBadInput(e)) { }
        }
    }
}
