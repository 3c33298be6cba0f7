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

/// <summary>AEDAT 2.0 (DVS128, libcaer convention): 8-byte records after the header.</summary>
public class Aedat2DecodeBenchmark : SpanDecodeBenchmarkBase
{
    protected override EventBatch Recording() => DecodeInputs.Recording(128, 128, 0);
    protected override string FileName => "b.aedat";
    protected override void Write(Stream stream, EventBatch events) => Aedat2Writer.Write(stream, events);
    protected override int PayloadStart(byte[] bytes) => bytes.Length - 8 * DecodeInputs.Events;

    protected override void DecodePayload(ReadOnlySpan<byte> payload, int limit)
        => Aedat2Decoder.DecodeDvs128(payload, Aedat2Convention.Libcaer, Into);
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

/// <summary>
/// Inputs whose payload one span decoder runs over: a recording (1280×720 unless <see cref="Recording"/> says
/// otherwise) written by <see cref="Write"/>, the payload starting at <see cref="PayloadStart"/>.
/// </summary>
public abstract class SpanDecodeBenchmarkBase : DecodeBenchmarkBase
{
    int _dataStart;

    protected virtual EventBatch Recording() => DecodeInputs.Recording(1280, 720, 0);

    /// <summary>The file name the reader is given (its extension picks the format).</summary>
    protected abstract string FileName { get; }

    /// <summary>Writes the header and the payload of <paramref name="events"/>.</summary>
    protected abstract void Write(Stream stream, EventBatch events);

    /// <summary>Offset of the payload in the written bytes.</summary>
    protected abstract int PayloadStart(byte[] bytes);

    /// <summary>Decodes the payload into <see cref="DecodeBenchmarkBase.Into"/>, at most <paramref name="limit"/> events.</summary>
    protected abstract void DecodePayload(ReadOnlySpan<byte> payload, int limit);

    protected sealed override byte[] Build()
    {
        using var e = Recording();
        Name = FileName;
        var bytes = DecodeInputs.Encode(Write, e);
        _dataStart = PayloadStart(bytes);
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = DecodeInputs.Events)]
    public int Decode()
    {
        Into.Count = 0;
        DecodePayload(Input.AsSpan(_dataStart), Into.Capacity - 64);
        return Into.Count;
    }
}

/// <summary>Prophesee <c>.raw</c> inputs: the '%' header, then the words.</summary>
public abstract class RawDecodeBenchmarkBase : SpanDecodeBenchmarkBase
{
    protected override string FileName => "b.raw";

    protected override int PayloadStart(byte[] bytes) => bytes.AsSpan().IndexOf("% end\n"u8) + 6;
}

/// <summary>Prophesee EVT 2.0: one 32-bit word per event plus a TIME_HIGH word per 64 µs.</summary>
public class Evt2DecodeBenchmark : RawDecodeBenchmarkBase
{
    protected override void Write(Stream stream, EventBatch events) => Evt2Writer.Write(stream, events);

    protected override void DecodePayload(ReadOnlySpan<byte> words, int limit)
    {
        var state = new Evt2State();
        Evt2Decoder.Decode(words, ref state, Into, limit, null);
    }
}

/// <summary>Prophesee EVT 3.0 as the project's writer encodes the recording (vectorised where a row repeats).</summary>
public class Evt3DecodeBenchmark : RawDecodeBenchmarkBase
{
    protected override void Write(Stream stream, EventBatch events) => Evt3Writer.Write(stream, events);

    protected override void DecodePayload(ReadOnlySpan<byte> words, int limit)
    {
        var state = new Evt3State();
        Evt3Decoder.Decode(words, ref state, Into, limit, null);
    }
}

/// <summary>
/// Prophesee EVT 3.0 of a dense recording: rows of 1–24 neighbouring pixels firing together, as a busy IMX636 scene
/// gives, so most events arrive through VECT_12 words.
/// </summary>
public class Evt3VectorDecodeBenchmark : Evt3DecodeBenchmark
{
    protected override EventBatch Recording()
    {
        var rng = new Random(3);
        var e = new EventBatch(DecodeInputs.Events, 1280, 720);
        long t = 0;
        while (e.Count < DecodeInputs.Events)
        {
            t += rng.Next(2);
            int x = rng.Next(1200), y = rng.Next(720), p = rng.Next(2);
            for (int r = rng.Next(1, 25); r > 0 && e.Count < DecodeInputs.Events; r--, x += rng.Next(1, 3)) e.Add(t, (ushort)x, (ushort)y, (byte)p);
        }
        return e;
    }
}

/// <summary>
/// Prophesee EVT 2.1 (no writer in the library: words built here): events sharing time, row, polarity and 32-column
/// group share one 64-bit word, a TIME_HIGH word per 64 µs.
/// </summary>
public class Evt21DecodeBenchmark : RawDecodeBenchmarkBase
{
    protected override void Write(Stream stream, EventBatch events)
    {
        stream.Write("% evt 2.1\n% format EVT21;height=720;width=1280\n% end\n"u8);
        var t = events.T; var x = events.X; var y = events.Y; var p = events.P;
        long high = -1;
        Span<byte> w = stackalloc byte[8];
        for (int i = 0; i < t.Length;)
        {
            if (t[i] >> 6 != high) { high = t[i] >> 6; BinaryPrimitives.WriteUInt64LittleEndian(w, (0x8UL << 60) | ((ulong)high << 32)); stream.Write(w); }
            int gx = x[i] & ~31;
            uint mask = 0;
            int j = i;
            while (j < t.Length && t[j] == t[i] && y[j] == y[i] && p[j] == p[i] && (x[j] & ~31) == gx && (mask & (1u << (x[j] & 31))) == 0)
            {
                mask |= 1u << (x[j] & 31);
                j++;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(w, ((ulong)p[i] << 60) | ((ulong)(t[i] & 63) << 54) | ((ulong)gx << 43) | ((ulong)y[i] << 32) | mask);
            stream.Write(w);
            i = j;
        }
    }

    protected override void DecodePayload(ReadOnlySpan<byte> words, int limit)
    {
        var state = new Evt2State();
        Evt21Decoder.Decode(words, false, ref state, Into, limit, null);
    }
}

/// <summary>DAT: 8-byte CD records.</summary>
public class DatDecodeBenchmark : SpanDecodeBenchmarkBase
{
    protected override EventBatch Recording() => DecodeInputs.Recording(304, 240, 0);
    protected override string FileName => "b.dat";
    protected override void Write(Stream stream, EventBatch events) => DatWriter.Write(stream, events);
    protected override int PayloadStart(byte[] bytes) => bytes.Length - 8 * DecodeInputs.Events;
    protected override void DecodePayload(ReadOnlySpan<byte> payload, int limit) => DatDecoder.Decode(payload, Into);
}

/// <summary>Metavision HDF5, uncompressed /CD/events through PureHDF (ReadAll is the decode: hyperslabs per batch).</summary>
public class MetavisionHdf5DecodeBenchmark : DecodeBenchmarkBase
{
    protected override byte[] Build()
    {
        using var e = DecodeInputs.Recording(1280, 720, 0);
        Name = "b.hdf5";
        string path = Path.Combine(Path.GetTempPath(), $"eventsnn-bench-{Environment.ProcessId}.hdf5");
        try
        {
            MetavisionHdf5Writer.Write(path, e);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }
}
