using System.Diagnostics;
using EventSnn.Cli;
using EventSnn.Ingest;
using EventSnn.Ingest.Archives;
using EventSnn.Model;
using EventSnn.Pipeline.Sources;

namespace EventSnn.Fuzz;

/// <summary>
/// Fuzz harnesses (SharpFuzz + AFL++; tools/EventSnn.Fuzz/run.sh runs them). Each target feeds one input to one parser
/// and lets only failures outside the error contract escape: an exception <see cref="CliErrors.IsBadInput"/> accepts is
/// the parser doing its job; anything else (IndexOutOfRange, NullReference, Overflow, OutOfMemory, …) is a finding.
/// <code>
/// eventsnn-fuzz TARGET               run under afl-fuzz (input on stdin, SharpFuzz out-of-process loop)
/// eventsnn-fuzz TARGET --replay DIR  run every file of DIR once; exit 1 and name the file on a finding
/// eventsnn-fuzz TARGET --mutate SEEDS SECONDS   no-AFL smoke run: random byte mutations of the seeds
/// </code>
/// </summary>
public static class Program
{
    /// <summary>Target names.</summary>
    public static readonly string[] Targets =
        ["aedat2", "aedat31", "aedat4", "bin", "csv", "hdf5", "zip", "tar", "targz", "checkpoint", "spif", "aedat4-packet", "labels"];

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Targets.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: eventsnn-fuzz TARGET [--replay DIR | --mutate SEEDS SECONDS]; targets: {string.Join(", ", Targets)}");
            return 2;
        }
        string target = args[0];
        if (args.Length >= 3 && args[1] == "--replay") return Replay(target, args[2]);
        if (args.Length >= 4 && args[1] == "--mutate") return Mutate(target, args[2], double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            RunOne(target, ms.ToArray());
        });
        return 0;
    }

    /// <summary>Feeds <paramref name="data"/> to <paramref name="target"/>; throws only on a finding.</summary>
    public static void RunOne(string target, byte[] data)
    {
        try { Parse(target, data); }
        catch (Exception e) when (CliErrors.IsBadInput(e) || e is OperationCanceledException) { }
    }

    static void Parse(string target, byte[] data)
    {
        switch (target)
        {
            case "aedat2": Drain(data, "fuzz.aedat"); break;
            case "aedat31": Drain(data, "fuzz.aedat"); break;
            case "aedat4": Drain(data, "fuzz.aedat4"); break;
            case "bin": Drain(data, "fuzz.bin"); break;
            case "csv": Drain(data, "fuzz.csv"); break;
            case "hdf5": Drain(data, "fuzz.h5"); break;
            case "zip": Archive(data, ".zip"); break;
            case "tar": Archive(data, ".tar"); break;
            case "targz": Archive(data, ".tar.gz"); break;
            case "checkpoint":
                {
                    string path = TempPath(".ckpt");
                    try
                    {
                        File.WriteAllBytes(path, data);
                        var (net, _) = Checkpoint.Load(path);
                        net.Dispose();
                    }
                    finally { File.Delete(path); }
                    break;
                }
            case "spif":
                {
                    int n = SpifWords.Validate(data, out _);
                    if (n > 0)
                    {
                        var clock = new SpifTimestampUnwrapper();
                        using var batch = new EventBatch(n, 0, 0);
                        SpifWords.Decode(data, n, ref clock, 0, batch);
                    }
                    break;
                }
            case "aedat4-packet":
                {
                    if (data.Length == 0) return;
                    using var batch = new EventBatch(1024, 0, 0);
                    Aedat4Packet.DecodeEvents(data.AsSpan(1), (Aedat4Compression)(data[0] % 5), batch);
                    break;
                }
            case "labels": GestureLabels.Parse(new MemoryStream(data), "fuzz.csv"); break;
        }
    }

    static void Drain(byte[] data, string name)
    {
        using var reader = EventFile.Open(EventInput.FromStream(new MemoryStream(data, writable: false), name));
        long events = 0;
        foreach (var batch in reader.ReadBatches(4096))
            using (batch) events += batch.Count;
    }

    static void Archive(byte[] data, string ext)
    {
        string path = TempPath(ext);
        try
        {
            File.WriteAllBytes(path, data);
            foreach (string entry in EventArchive.List(path).Take(64))
            {
                using var s = EventArchive.OpenEntry(path, entry);
                var buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = s.Read(buf)) > 0 && total < 16 << 20;) total += n;
            }
        }
        finally { File.Delete(path); }
    }

    static string TempPath(string ext) => Path.Combine(Path.GetTempPath(), $"eventsnn-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}{ext}");

    static int Replay(string target, string dir)
    {
        int findings = 0;
        foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            try { RunOne(target, File.ReadAllBytes(file)); }
            catch (Exception e)
            {
                findings++;
                Console.Error.WriteLine($"finding: {target} {file}: {e.GetType().Name}: {e.Message}");
            }
        }
        Console.WriteLine($"{target}: {Directory.GetFiles(dir).Length} inputs, {findings} finding(s)");
        return findings == 0 ? 0 : 1;
    }

    /// <summary>A small mutation fuzzer for machines without AFL++: flips, inserts, deletes and splices bytes of the seeds.</summary>
    static int Mutate(string target, string seedsDir, double seconds)
    {
        var seeds = Directory.GetFiles(seedsDir).Select(File.ReadAllBytes).Where(b => b.Length < 1 << 20).ToList();
        if (seeds.Count == 0) seeds.Add([]);
        var rng = new Random(1);
        var watch = Stopwatch.StartNew();
        long runs = 0;
        string crashes = Path.Combine("fuzz-findings", target);
        int findings = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            byte[] input = MutateOnce(seeds[rng.Next(seeds.Count)], rng);
            runs++;
            try { RunOne(target, input); }
            catch (Exception e)
            {
                findings++;
                Directory.CreateDirectory(crashes);
                string file = Path.Combine(crashes, $"{e.GetType().Name}-{runs}");
                File.WriteAllBytes(file, input);
                Console.Error.WriteLine($"finding: {target}: {e.GetType().Name}: {e.Message} -> {file}");
            }
        }
        Console.WriteLine($"{target}: {runs} executions in {watch.Elapsed.TotalSeconds:0} s, {findings} finding(s)");
        return findings == 0 ? 0 : 1;
    }

    static readonly uint[] Interesting = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000, 512];

    static byte[] MutateOnce(byte[] seed, Random rng)
    {
        var b = new List<byte>(seed);
        int edits = 1 + rng.Next(8);
        for (int k = 0; k < edits; k++)
        {
            int op = rng.Next(5);
            int at = b.Count == 0 ? 0 : rng.Next(b.Count);
            switch (op)
            {
                case 0 when b.Count > 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when b.Count > 0: b[at] = (byte)(rng.Next(2) == 0 ? 0xFF : rng.Next(256)); break;
                case 2: b.Insert(at, (byte)rng.Next(256)); break;
                case 3 when b.Count > 0: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(16))); break;
                case 4 when b.Count >= 4:
                    // an interesting 32-bit value (sizes, counts)
                    uint v = Interesting[rng.Next(Interesting.Length)];
                    int p = Math.Min(at, b.Count - 4);
                    for (int i = 0; i < 4; i++) b[p + i] = (byte)(v >> (8 * i));
                    break;
            }
        }
        return [.. b];
    }
}
