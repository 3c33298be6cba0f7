using System.Text;
using EventSnn.Datasets;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Tar;

namespace EventSnn.Tests.Conversion;

/// <summary>CIFAR binary archives read in place; augmentation and normalisation.</summary>
public class CifarArchiveTests
{
    [Theory]
    [InlineData(CifarVariant.Cifar10)]
    [InlineData(CifarVariant.Cifar100)]
    public void WrittenArchiveReadsBackInPlace(CifarVariant variant)
    {
        string dir = Fixtures.TempDir();
        try
        {
            string name = CifarArchive.DatasetName(variant);
            var train = ConversionTestData.Images(23, 7, 1, name);
            var test = ConversionTestData.Images(9, 7, 2, name);
            string path = Path.Combine(dir, CifarArchive.ArchiveName(variant));
            CifarArchive.Write(path, variant, train, test);

            // A folder holding the archive works as the root too.
            var readTrain = CifarArchive.Read(dir, variant, DatasetSplit.Train);
            var readTest = CifarArchive.Read(path, variant, DatasetSplit.Test);
            Assert.Equal(train.Labels, readTrain.Labels);
            Assert.Equal(train.Pixels, readTrain.Pixels);
            Assert.Equal(test.Labels, readTest.Labels);
            Assert.Equal(test.Pixels, readTest.Pixels);
            Assert.Equal(variant == CifarVariant.Cifar10 ? 10 : 100, readTest.ClassNames.Count);
            Assert.Equal("c3", readTest.ClassNames[3]);
            Assert.Equal(5, CifarArchive.Read(path, variant, DatasetSplit.Train, limit: 5).Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void PartialRecordIsReportedWithEntryAndOffset()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "cifar-10-binary.tar.gz");
            var record = new byte[3073];
            record[0] = 3;
            var content = record.Concat(record).Concat(new byte[100]).ToArray(); // two records and a stub
            WriteTar(path, ("cifar-10-batches-bin/test_batch.bin", content));
            var e = Assert.Throws<CifarFormatException>(() => CifarArchive.Read(path, CifarVariant.Cifar10, DatasetSplit.Test));
            Assert.Equal("cifar-10-batches-bin/test_batch.bin", e.Entry);
            Assert.Equal(2 * 3073, e.Offset);
            Assert.Equal(path, e.File);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void LabelOutsideTheClassesIsReported()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "cifar-10-binary.tar.gz");
            var content = new byte[2 * 3073];
            content[3073] = 12;
            WriteTar(path, ("cifar-10-batches-bin/test_batch.bin", content));
            var e = Assert.Throws<CifarFormatException>(() => CifarArchive.Read(path, CifarVariant.Cifar10, DatasetSplit.Test));
            Assert.Equal(3073, e.Offset);
            Assert.Contains("12", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TruncatedArchiveAndMissingMemberAreTypedErrors()
    {
        string dir = Fixtures.TempDir();
        try
        {
            string path = ConversionTestData.WriteCifar10(dir, 50, 20);
            var bytes = File.ReadAllBytes(path);
            string cut = Path.Combine(dir, "cut.tar.gz");
            File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length / 2).ToArray());
            Assert.ThrowsAny<CifarFormatException>(() => CifarArchive.Read(cut, CifarVariant.Cifar10, DatasetSplit.Train));

            string partial = Path.Combine(dir, "partial.tar.gz");
            WriteTar(partial, ("cifar-10-batches-bin/test_batch.bin", new byte[3073]));
            var e = Assert.Throws<CifarFormatException>(() => CifarArchive.Read(partial, CifarVariant.Cifar10, DatasetSplit.Train));
            Assert.Equal("data_batch_1.bin", e.Entry);
            Assert.Throws<FileNotFoundException>(() => CifarArchive.Read(Path.Combine(dir, "nothing"), CifarVariant.Cifar10, DatasetSplit.Test));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CropShiftsWithZeroPaddingAndFlipMirrors()
    {
        // One channel 3×3: 1..9.
        byte[] image = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        var output = new byte[9];
        ImageAugmentation.Apply(image, output, 1, 3, 3, dy: 1, dx: -1, flip: false);
        Assert.Equal(new byte[] { 0, 4, 5, 0, 7, 8, 0, 0, 0 }, output);
        ImageAugmentation.Apply(image, output, 1, 3, 3, dy: 0, dx: 0, flip: true);
        Assert.Equal(new byte[] { 3, 2, 1, 6, 5, 4, 9, 8, 7 }, output);
    }

    [Fact]
    public void NormalisationUsesPerChannelMeanAndStd()
    {
        var image = new byte[] { 0, 255, 128, 128 };   // 2 channels × 2 pixels
        var norm = new ImageNormalization(new[] { 0.5f, 0.25f }, new[] { 0.5f, 0.25f });
        var output = new float[4];
        norm.Apply(image, output, 2);
        Assert.Equal(-1f, output[0], 5);
        Assert.Equal(1f, output[1], 5);
        Assert.Equal((128 / 255f - 0.25f) / 0.25f, output[2], 5);
    }

    private static void WriteTar(string path, params (string Name, byte[] Content)[] members)
    {
        using var file = File.Create(path);
        using var gz = new GZipOutputStream(file);
        using var tar = new TarOutputStream(gz, Encoding.UTF8);
        foreach (var (name, content) in members)
        {
            var entry = TarEntry.CreateTarEntry(name);
            entry.Size = content.Length;
            tar.PutNextEntry(entry);
            tar.Write(content, 0, content.Length);
            tar.CloseEntry();
        }
    }
}
