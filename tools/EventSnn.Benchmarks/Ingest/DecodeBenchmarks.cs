using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using EventSnn.Ingest;

namespace EventSnn.Benchmarks.Ingest;

/// <summary>
/// Decode speed per format over 10 million events held in memory, against a plain copy of the same input bytes
/// (the baseline, measured in the same run). Times are per event (OperationsPerInvoke): events/s = 1 / Mean.
/// "Decode" runs the span decoder over the payload; "ReadAll" runs the whole reader (buffering, headers, batches)
/// through <see cref="EventFile"/> on a MemoryStream.
/// </summary>
[MemoryDiagnoser]
public abstract class DecodeBenchmarkBase
{
    protected byte[] Input = [];
    protected string Name = "";
    byte[] _copy = [];
    protected EventBatch Into = null!;

    protected abstract byte[] Build();

    [GlobalSetup]
    public void Setup()
    {
        Input = Build();
        _copy = new byte[Input.Length];
        Into = new EventBatch(DecodeInputs.Events + 1024, 0, 0);
    }

    [GlobalCleanup]
    public void Cleanup() => Into.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = DecodeInputs.Events)]
    public void MemoryCopy() => Buffer.BlockCopy(Input, 0, _copy, 0, Input.Length);

    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public int ReadAll()
    {
        using var reader = EventFile.Open(EventInput.FromStream(new MemoryStream(Input, writable: false), Name));
        int n = 0;
        foreach (var b in reader.ReadBatches(1 << 20)) using (b) n += b.Count;
        return n;
    }
}

public class Aedat2DecodeBenchmark : DecodeBenchmarkBase
{
    int _dataStart;
    protected override byte[] Build()
    {
        using var e = DecodeInputs.Recording(128, 128, 0);
        Name = "b.aedat";
        var bytes = DecodeInputs.Encode((s, b) => Aedat2Writer.Write(s, b), e);
        _dataStart = bytes.Length - 8 * DecodeInputs.Events;
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public int Decode()
    {
        Into.Count = 0;
        return Aedat2Decoder.DecodeDvs128(Input.AsSpan(_dataStart), Aedat2Convention.Libcaer, Into);
    }
}

public class Aedat31DecodeBenchmark : DecodeBenchmarkBase
{
    int _dataStart;
    protected override byte[] Build()
    {
        using var e = DecodeInputs.Recording(128, 128, 0);
        Name = "b.aedat";
        var bytes = DecodeInputs.Encode((s, b) => Aedat31Writer.Write(s, b, new EventWriteOptions { EventsPerPacket = 4096 }), e);
        _dataStart = bytes.AsSpan().IndexOf("#!END-HEADER\r\n"u8) + 14;
        return bytes;
    }

    /// <summary>Walks the packets (header parse, overflow) and decodes each polarity body.</summary>
    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public int Decode()
    {
        Into.Count = 0;
        var s = Input.AsSpan();
        int pos = _dataStart;
        while (pos + 28 <= s.Length)
        {
            var h = Aedat31PacketHeader.Parse(s[pos..]);
            pos += 28;
            if (h.EventType == 1) Aedat31Decoder.DecodePolarity(s.Slice(pos, h.EventNumber * 8), h.EventTSOverflow, false, Into);
            pos += (int)h.BodyLength;
        }
        return Into.Count;
    }
}

public class AtisBinDecodeBenchmark : DecodeBenchmarkBase
{
    protected override byte[] Build()
    {
        using var e = DecodeInputs.Recording(240, 180, 0);
        // .bin holds 23-bit timestamps: wrap the synthetic clock into range (order is irrelevant to decode speed).
        var t = e.T;
        for (int i = 0; i < t.Length; i++) t[i] &= (1 << 23) - 1;
        Name = "b.bin";
        return DecodeInputs.Encode((s, b) => AtisBinWriter.Write(s, b), e);
    }

    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public int Decode()
    {
        Into.Count = 0;
        long offset = 0;
        return AtisBinDecoder.Decode(Input, ref offset, Into);
    }
}

public abstract class Aedat4DecodeBenchmarkBase : DecodeBenchmarkBase
{
    protected abstract Aedat4Compression Compression { get; }
    int _packetsStart;
    long _packetsEnd;

    protected override byte[] Build()
    {
        using var e = DecodeInputs.Recording(346, 260, 1_600_000_000_000_000);
        Name = "b.aedat4";
        // DV writes packets of a few thousand events; 4096 is in that range.
        var bytes = DecodeInputs.Encode((s, b) => Aedat4Writer.WriteFile(s, b, new EventWriteOptions { Compression = Compression, EventsPerPacket = 4096 }), e);
        int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(14));
        _packetsStart = 18 + size;
        _packetsEnd = Aedat4IOHeader.Parse(bytes.AsSpan(18, size)).DataTablePosition;
        return bytes;
    }

    /// <summary>Walks the packets and decompresses + decodes each body with the public network-stream API.</summary>
    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public int Decode()
    {
        Into.Count = 0;
        var s = Input.AsSpan();
        int pos = _packetsStart;
        while (pos < _packetsEnd)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(s[(pos + 4)..]);
            Aedat4Packet.DecodeEvents(s.Slice(pos + 8, size), Compression, Into);
            pos += 8 + size;
        }
        return Into.Count;
    }
}

public class Aedat4Lz4DecodeBenchmark : Aedat4DecodeBenchmarkBase
{
    protected override Aedat4Compression Compression => Aedat4Compression.Lz4;
}

public class Aedat4ZstdDecodeBenchmark : Aedat4DecodeBenchmarkBase
{
    protected override Aedat4Compression Compression => Aedat4Compression.Zstd;
}

public class Aedat4UncompressedDecodeBenchmark : Aedat4DecodeBenchmarkBase
{
    protected override Aedat4Compression Compression => Aedat4Compression.None;
}
