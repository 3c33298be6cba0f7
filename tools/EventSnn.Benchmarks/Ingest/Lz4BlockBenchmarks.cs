using BenchmarkDotNet.Attributes;
using EventSnn.Ingest;
using K4os.Compression.LZ4;

namespace EventSnn.Benchmarks.Ingest;

/// <summary>
/// The LZ4 block decoders alone on the AEDAT 4 benchmark's data: the 10 million events as "EVTS" payloads of 4096
/// events, cut into 64 KiB blocks and compressed with K4os at the writer's level (as <see cref="Lz4Frame.Encode"/>
/// does). <c>Own</c> is <see cref="Lz4Block"/>, <c>K4os</c> is <see cref="LZ4Codec.Decode(ReadOnlySpan{byte}, Span{byte})"/>,
/// both decoding the same blocks into the same reused buffer; the baseline copies the compressed bytes. Times are per
/// event; both decoders run in the same process, so their ratio holds even on a busy machine.
/// </summary>
[MemoryDiagnoser]
public class Lz4BlockDecodeBenchmark
{
    byte[] _compressed = [];
    byte[] _copy = [];
    (int Start, int Length)[] _blocks = [];
    readonly byte[] _output = new byte[1 << 17];

    [GlobalSetup]
    public void Setup()
    {
        using var events = DecodeInputs.Recording(346, 260, 1_600_000_000_000_000);
        using var payload = new PooledBuffer();
        var all = new MemoryStream();
        var blocks = new List<(int, int)>();
        var block = new byte[LZ4Codec.MaximumOutputSize(1 << 16)];
        for (int start = 0; start < events.Count; start += 4096)
        {
            Aedat4Packet.EncodeEventsPayload(events, start, Math.Min(4096, events.Count - start), payload);
            for (int i = 0; i < payload.Length; i += 1 << 16)
            {
                int n = LZ4Codec.Encode(payload.Span.Slice(i, Math.Min(1 << 16, payload.Length - i)), block, LZ4Level.L00_FAST);
                blocks.Add(((int)all.Length, n));
                all.Write(block, 0, n);
            }
        }
        _compressed = all.ToArray();
        _copy = new byte[_compressed.Length];
        _blocks = [.. blocks];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = DecodeInputs.Events)]
    public void MemoryCopy() => Buffer.BlockCopy(_compressed, 0, _copy, 0, _compressed.Length);

    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public long Own()
    {
        long total = 0;
        foreach (var (start, length) in _blocks) total += Lz4Block.Decode(_compressed.AsSpan(start, length), _output);
        return total;
    }

    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public long K4os()
    {
        long total = 0;
        foreach (var (start, length) in _blocks) total += LZ4Codec.Decode(_compressed.AsSpan(start, length), _output);
        return total;
    }
}
