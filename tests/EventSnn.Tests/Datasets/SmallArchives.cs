using System.IO.Compression;
using EventSnn.Ingest;

namespace EventSnn.Tests.Datasets;

/// <summary>Writes small CIFAR10-DVS and N-Caltech101 archives with the project's own event writers.</summary>
internal static class SmallArchives
{
    public static EventBatch Events(int seed, int maxX, int maxY, int n = 200)
    {
        var rng = new Random(seed);
        var b = new EventBatch(n, maxX, maxY);
        long t = 0;
        for (int i = 0; i < n; i++) { t += rng.Next(1, 500); b.Add(t, (ushort)rng.Next(maxX), (ushort)rng.Next(maxY), (byte)rng.Next(2)); }
        return b;
    }

    /// <summary>Ten class zips (<c>airplane.zip</c> …) of <paramref name="perClass"/> AEDAT 2.0 files each.</summary>
    public static void WriteCifar10Dvs(string root, int perClass)
    {
        string tmp = Path.Combine(root, "tmp.aedat");
        foreach (string cls in EventSnn.Datasets.Cifar10DvsDataset.CifarClassNames)
        {
            using var zip = ZipFile.Open(Path.Combine(root, cls + ".zip"), ZipArchiveMode.Create);
            for (int i = 0; i < perClass; i++)
            {
                using (var e = Events(i + cls.Length * 1000, 128, 128, 50 + i))
                    EventFile.Write(tmp, e, new EventWriteOptions { AedatVersion = "2.0" });
                zip.CreateEntryFromFile(tmp, $"{cls}/cifar10_{cls}_{i}.aedat");
            }
        }
        File.Delete(tmp);
    }

    /// <summary><c>Caltech101.zip</c> with the given classes (each <paramref name="perClass"/> .bin files).</summary>
    public static void WriteNCaltech101(string zipPath, IEnumerable<string> classes, int perClass)
    {
        string tmp = zipPath + ".bin";
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        int seed = 0;
        foreach (string cls in classes)
            for (int i = 1; i <= perClass; i++)
            {
                using (var e = Events(seed++, 230, 170, 40 + i))
                    EventFile.Write(tmp, e);
                zip.CreateEntryFromFile(tmp, $"Caltech101/{cls}/image_{i:0000}.bin");
            }
        File.Delete(tmp);
    }
}
