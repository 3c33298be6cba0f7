using System.Buffers.Binary;
using EventSnn.Ingest;
using K4os.Compression.LZ4;

namespace EventSnn.Tests.Ingest;

/// <summary>
/// The project's LZ4 block decoder against K4os' decoder and against a plain expansion of hand-built sequences (written
/// here from the block format: token, literal-length bytes, literals, offset, match-length bytes), covering every short
/// literal run and match length, the 15 / 15 + 255 length-byte boundaries, overlapping matches of every small offset,
/// linked blocks reading a dictionary, and damaged blocks (a decode or the typed error, nothing written outside the
/// output range, the dictionary left as it was).
/// </summary>
public class Lz4BlockTests
{
    // --- inputs compressed by K4os -------------------------------------------------------------------------------

    static byte[] Data(string kind, int size, int seed)
    {
        var rng = new Random(seed);
        var d = new byte[size];
        switch (kind)
        {
            case "random": rng.NextBytes(d); break;
            case "zeros": break;
            case "text":
                var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, size / 4 + 2).Select(i => $"ev {i * 7 % 1001} ")));
                text.AsSpan(0, size).CopyTo(d);
                break;
            case "events":
                using (var e = new EventBatch(size / 16 + 1, 346, 260))
                {
                    long t = 1_600_000_000_000_000;
                    for (int i = 0; i <= size / 16; i++) e.Add(t += rng.Next(4), (ushort)(100 + rng.Next(12)), (ushort)(80 + rng.Next(12)), (byte)rng.Next(2));
                    using var payload = new PooledBuffer();
                    Aedat4Packet.EncodeEventsPayload(e, 0, e.Count, payload);
                    payload.Span[..size].CopyTo(d);
                }
                break;
            default: // "periods": runs of short repeating patterns (periods 1..40) mixed with noise
                for (int i = 0; i < size;)
                {
                    int period = rng.Next(1, 41), run = rng.Next(1, 300);
                    var pattern = new byte[period];
                    rng.NextBytes(pattern);
                    for (int k = 0; k < run && i < size; k++, i++) d[i] = pattern[k % period];
                    if (rng.Next(3) == 0) for (int k = rng.Next(1, 20); k > 0 && i < size; k--) d[i++] = (byte)rng.Next();
                }
                break;
        }
        return d;
    }

    public static TheoryData<string, int, bool> CompressedCases()
    {
        var cases = new TheoryData<string, int, bool>();
        foreach (var kind in new[] { "random", "zeros", "text", "events", "periods" })
            foreach (int size in new[] { 1, 13, 16, 17, 100, 4099, 65536 })
                foreach (bool high in new[] { false, true })
                    cases.Add(kind, size, high);
        return cases;
    }

    [Theory]
    [MemberData(nameof(CompressedCases))]
    public void DecodesWhatK4osEncodesAsK4osDecodesIt(string kind, int size, bool high)
    {
        for (int seed = 0; seed < 3; seed++)
        {
            byte[] data = Data(kind, size, seed);
            var block = new byte[LZ4Codec.MaximumOutputSize(size)];
            int n = LZ4Codec.Encode(data, block, high ? LZ4Level.L09_HC : LZ4Level.L00_FAST);
            Assert.True(n > 0);
            var mine = new byte[size + 64];
            int decoded = Lz4Block.Decode(block.AsSpan(0, n), mine);
            var theirs = new byte[size + 64];
            int expected = LZ4Codec.Decode(block.AsSpan(0, n), theirs);
            Assert.Equal(size, expected);
            Assert.Equal(size, decoded);
            Assert.Equal(data, mine[..size]);
            // An output span of exactly the decoded size suffices (no slack is needed past the decoded bytes).
            var exact = new byte[size];
            Assert.Equal(size, Lz4Block.Decode(block.AsSpan(0, n), exact));
            Assert.Equal(data, exact);
        }
    }

    // --- hand-built sequences --------------------------------------------------------------------------------------

    /// <summary>Writes blocks sequence by sequence and keeps the expansion the format defines for them.</summary>
    sealed class BlockBuilder(byte[] dictionary)
    {
        readonly List<byte> _block = [];
        readonly List<byte> _expanded = [.. dictionary];

        public byte[] Block => [.. _block];
        public byte[] Decoded => _expanded.Skip(dictionary.Length).ToArray();
        public int Produced => _expanded.Count - dictionary.Length;
        public int History => _expanded.Count;

        static void Length(List<byte> o, int rest)
        {
            for (; rest >= 255; rest -= 255) o.Add(255);
            o.Add((byte)rest);
        }

        public void Sequence(byte[] literals, int offset, int matchLength)
        {
            int ll = literals.Length, ml = matchLength - 4;
            _block.Add((byte)((Math.Min(ll, 15) << 4) | Math.Min(ml, 15)));
            if (ll >= 15) Length(_block, ll - 15);
            _block.AddRange(literals);
            _block.Add((byte)offset);
            _block.Add((byte)(offset >> 8));
            if (ml >= 15) Length(_block, ml - 15);
            _expanded.AddRange(literals);
            for (int k = 0; k < matchLength; k++) _expanded.Add(_expanded[^offset]);  // byte by byte: overlaps repeat
        }

        public void Last(byte[] literals)
        {
            _block.Add((byte)(Math.Min(literals.Length, 15) << 4));
            if (literals.Length >= 15) Length(_block, literals.Length - 15);
            _block.AddRange(literals);
            _expanded.AddRange(literals);
        }
    }

    static byte[] Bytes(Random rng, int n) { var b = new byte[n]; rng.NextBytes(b); return b; }

    static void AssertDecodes(BlockBuilder b, byte[] dictionary)
    {
        byte[] block = b.Block, expected = b.Decoded;
        // Ours, into a buffer holding the dictionary right before the output, with canaries after the exact limit.
        var output = new byte[dictionary.Length + expected.Length + 64];
        dictionary.CopyTo(output, 0);
        output.AsSpan(dictionary.Length + expected.Length).Fill(0xA5);
        int n = Lz4Block.Decode(block, output, dictionary.Length, dictionary.Length, expected.Length);
        Assert.Equal(expected.Length, n);
        Assert.Equal(expected, output.AsSpan(dictionary.Length, n).ToArray());
        Assert.Equal(-1, output.AsSpan(dictionary.Length + expected.Length).IndexOfAnyExcept((byte)0xA5));
        // K4os agrees on the same block.
        var theirs = new byte[dictionary.Length + expected.Length + 64];
        dictionary.CopyTo(theirs, 0);
        int k = K4osDecode(block, theirs, dictionary.Length);
        Assert.Equal(expected.Length, k);
        Assert.Equal(expected, theirs.AsSpan(dictionary.Length, k).ToArray());
    }

    static unsafe int K4osDecode(byte[] block, byte[] buffer, int dictionaryLength)
    {
        fixed (byte* s = block)
        fixed (byte* o = buffer)
            return dictionaryLength == 0
                ? LZ4Codec.Decode(s, block.Length, o, buffer.Length)
                : LZ4Codec.Decode(s, block.Length, o + dictionaryLength, buffer.Length - dictionaryLength, o, dictionaryLength);
    }

    [Fact]
    public void EveryLiteralRunAndMatchLengthAroundTheLengthByteBoundaries()
    {
        var rng = new Random(11);
        int[] literalRuns = [.. Enumerable.Range(0, 40), .. Enumerable.Range(265, 8), .. Enumerable.Range(520, 8), 1000];
        int[] matchLengths = [.. Enumerable.Range(4, 40), .. Enumerable.Range(270, 6), .. Enumerable.Range(525, 6), 3000];
        foreach (int ll in literalRuns)
            foreach (int ml in matchLengths)
            {
                var block = new BlockBuilder([]);
                block.Sequence(Bytes(rng, 40), 17 + (ll + ml) % 23, 4 + ml % 11);
                block.Sequence(Bytes(rng, ll), 1 + rng.Next(block.History), ml);
                block.Sequence(Bytes(rng, 3), 16, 7);
                block.Last(Bytes(rng, 12 + ll % 9));
                AssertDecodes(block, []);
            }
    }

    [Fact]
    public void OverlappingAndNearMatchesOfEveryOffset()
    {
        var rng = new Random(12);
        int[] offsets = [.. Enumerable.Range(1, 70), 127, 128, 255, 256, 257, 4095, 65535];
        foreach (int offset in offsets)
            foreach (int ml in new[] { 4, 5, 7, 8, 9, 15, 16, 17, 18, 19, 31, 32, 33, 64, 100, 300 })
            {
                var block = new BlockBuilder([]);
                block.Sequence(Bytes(rng, Math.Max(offset, 64)), 1, 4);
                // Many short sequences first, so the decoder's fast path is well under way when the tested one comes.
                for (int k = 0; k < 20; k++) block.Sequence(Bytes(rng, k % 3), 16 + k % 40, 4 + k % 5);
                if (offset > block.History) block.Sequence(Bytes(rng, offset - block.History), 16, 4);
                block.Sequence(Bytes(rng, rng.Next(3)), offset, ml);
                for (int k = 0; k < 5; k++) block.Sequence(Bytes(rng, 1), 16 + k, 4 + k);
                block.Last(Bytes(rng, 12));
                AssertDecodes(block, []);
            }
    }

    [Fact]
    public void RandomSequenceStreamsMatchTheExpansion()
    {
        var rng = new Random(13);
        for (int trial = 0; trial < 300; trial++)
        {
            var block = new BlockBuilder([]);
            block.Sequence(Bytes(rng, 1 + rng.Next(40)), 1, 4 + rng.Next(30));
            int sequences = rng.Next(1, 400);
            for (int k = 0; k < sequences && block.Produced < 60000; k++)
            {
                int ll = rng.Next(10) == 0 ? rng.Next(600) : rng.Next(3);
                int ml = rng.Next(10) == 0 ? 4 + rng.Next(600) : 4 + rng.Next(16);
                int history = block.History + ll;
                int offset = rng.Next(4) switch { 0 => 1 + rng.Next(Math.Min(history, 15)), 1 => 16 * (1 + rng.Next(Math.Min(history / 16, 8) + 1)), _ => 1 + rng.Next(Math.Min(history, 65535)) };
                block.Sequence(Bytes(rng, ll), Math.Min(offset, history), ml);
            }
            block.Last(Bytes(rng, 12 + rng.Next(20)));
            AssertDecodes(block, []);
        }
    }

    [Fact]
    public void LinkedBlocksReadTheDictionaryBeforeTheOutput()
    {
        var rng = new Random(14);
        foreach (int dictionaryLength in new[] { 1, 15, 16, 17, 100, 65536 })
            for (int trial = 0; trial < 20; trial++)
            {
                byte[] dictionary = Bytes(rng, dictionaryLength);
                var block = new BlockBuilder(dictionary);
                // Matches reaching into the dictionary from the very first output byte, then mixed ones.
                block.Sequence([], 1 + rng.Next(dictionaryLength), 4 + rng.Next(30));
                for (int k = 0; k < 200; k++)
                {
                    int ll = rng.Next(3);
                    block.Sequence(Bytes(rng, ll), 1 + rng.Next(Math.Min(block.History + ll, 65535)), 4 + rng.Next(20));
                }
                block.Last(Bytes(rng, 12));
                AssertDecodes(block, dictionary);
            }
    }

    // --- damaged input ---------------------------------------------------------------------------------------------

    [Fact]
    public void AnEmptyLiteralRunIsAnEmptyBlockAndNoBytesAreAnError()
    {
        Assert.Equal(0, Lz4Block.Decode([0x00], new byte[16]));
        Assert.Throws<EventFormatException>(() => Lz4Block.Decode([], new byte[16]));
    }

    [Fact]
    public void OffsetsOutsideTheHistoryAreTypedErrors()
    {
        var block = new BlockBuilder([]);
        block.Sequence(Bytes(new Random(1), 40), 8, 4);
        block.Last(Bytes(new Random(2), 8));
        byte[] good = block.Block;
        var output = new byte[200];
        Assert.Equal(52, Lz4Block.Decode(good, output));

        byte[] zero = (byte[])good.Clone();
        // token, one length byte (40 = 15 + 25), 40 literals, then the offset at byte 42
        zero[42] = 0; zero[43] = 0;                       // offset 0
        var ex = Assert.Throws<EventFormatException>(() => Lz4Block.Decode(zero, output, name: "b.lz4"));
        Assert.Equal(42, ex.Offset);
        Assert.Contains("b.lz4", ex.Message);

        byte[] far = (byte[])good.Clone();
        far[42] = 41; far[43] = 0;                        // one byte before the output start
        Assert.Equal(42, Assert.Throws<EventFormatException>(() => Lz4Block.Decode(far, output)).Offset);
        // ... which a dictionary of one byte makes valid.
        var withDictionary = new byte[201];
        Assert.Equal(52, Lz4Block.Decode(far, withDictionary, 1, 1));
    }

    [Fact]
    public void OutputLimitAndTruncationAreTypedErrors()
    {
        byte[] data = Data("events", 4096, 3);
        var block = new byte[LZ4Codec.MaximumOutputSize(data.Length)];
        int n = LZ4Codec.Encode(data, block);
        var output = new byte[8192];
        Assert.Throws<EventFormatException>(() => Lz4Block.Decode(block.AsSpan(0, n), output, maxLength: 4095));
        Assert.Throws<EventFormatException>(() => Lz4Block.Decode(block.AsSpan(0, n), output.AsSpan(0, 4095)));
        // A block cut right after a literal run reads as a shorter valid block (the format cannot tell): then the
        // output must be a prefix of the data; any other cut is the typed error.
        int errors = 0;
        for (int cut = 0; cut < n; cut += 1 + cut / 8)
        {
            try
            {
                int m = Lz4Block.Decode(block.AsSpan(0, cut), output);
                Assert.Equal(data[..m], output[..m]);
            }
            catch (EventFormatException) { errors++; }
        }
        Assert.True(errors > 0);
    }

    [Fact]
    public void DamagedBlocksDecodeOrFailTypedAndNeverWriteOutsideTheOutput()
    {
        var rng = new Random(15);
        var sources = new[] { "events", "text", "periods", "random" }.Select(k => Data(k, 20000, 4)).ToArray();
        var blocks = sources.Select(d => { var b = new byte[LZ4Codec.MaximumOutputSize(d.Length)]; return b[..LZ4Codec.Encode(d, b)]; }).ToArray();
        const int guard = 256, dictionary = 1000;
        var buffer = new byte[guard + dictionary + 20000 + guard];
        for (int i = 0; i < 3000; i++)
        {
            byte[] block = (byte[])blocks[i % blocks.Length].Clone();
            switch (rng.Next(4))
            {
                case 0: for (int k = rng.Next(1, 8); k > 0; k--) block[rng.Next(block.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 1: block[rng.Next(block.Length)] = (byte)rng.Next(256); block[rng.Next(block.Length)] = 0xFF; break;
                case 2: block = block[..rng.Next(block.Length)]; break;
                default:
                    int at = rng.Next(block.Length);
                    block = [.. block[..at], .. Bytes(rng, rng.Next(1, 40)), .. block[at..]];
                    break;
            }
            buffer.AsSpan().Fill(0x5A);
            int limit = 20000 - rng.Next(2) * rng.Next(20000);
            try
            {
                int n = Lz4Block.Decode(block, buffer.AsSpan(guard, dictionary + 20000), dictionary, dictionary, limit);
                Assert.InRange(n, 0, limit);
                Assert.Equal(-1, buffer.AsSpan(guard + dictionary + limit).IndexOfAnyExcept((byte)0x5A));
            }
            catch (EventFormatException ex)
            {
                Assert.InRange(ex.Offset, 0, block.Length);
                Assert.Equal(-1, buffer.AsSpan(guard + dictionary + limit).IndexOfAnyExcept((byte)0x5A));
            }
            Assert.Equal(-1, buffer.AsSpan(0, guard + dictionary).IndexOfAnyExcept((byte)0x5A));   // the dictionary is only read
        }
    }

    // --- frames: checksums -----------------------------------------------------------------------------------------

    static byte[] LinkedBlocksFrame() => File.ReadAllBytes(Path.Combine(Fixtures.RepoRoot, "tests", "EventSnn.Tests", "Ingest", "Data", "linked_blocks.lz4"));

    [Fact]
    public void BlockAndContentChecksumsAreVerifiedUnlessTurnedOff()
    {
        byte[] frame = LinkedBlocksFrame();
        byte flg = frame[4];
        Assert.True((flg & 0x10) != 0 && (flg & 0x04) != 0, "the fixture carries block and content checksums");
        using var reference = new PooledBuffer();
        Lz4Frame.Decode(frame, reference, 1 << 20);

        // The first block's checksum follows its data; the content checksum ends the frame.
        int header = 4 + 2 + ((flg & 0x08) != 0 ? 8 : 0) + 1;
        int firstSize = (int)(BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(header)) & 0x7FFFFFFF);
        foreach (int at in new[] { header + 4 + firstSize, frame.Length - 1 })
        {
            byte[] bad = (byte[])frame.Clone();
            bad[at] ^= 0x40;
            using var output = new PooledBuffer();
            var ex = Assert.Throws<EventFormatException>(() => Lz4Frame.Decode(bad, output, 1 << 20, "linked.lz4"));
            Assert.Contains("checksum", ex.Message);
            using var unchecked_ = new PooledBuffer();
            Lz4Frame.Decode(bad, unchecked_, 1 << 20, verifyChecksums: false);
            Assert.Equal(reference.Span.ToArray(), unchecked_.Span.ToArray());
        }
    }
}

/// <summary>
/// The struct-to-column step of AEDAT 4 event packets (vectorised four structs at a time, scalar for the rest):
/// every field lands in its column, any nonzero polarity byte reads as ON, and a negative coordinate anywhere is the
/// typed error at that struct's byte offset.
/// </summary>
public class Aedat4EventStructTests
{
    static byte[] Payload(int count, Action<int, byte[], int>? edit = null)
    {
        using var events = new EventBatch(count, 0, 0);
        for (int i = 0; i < count; i++) events.Add(1_600_000_000_000_000 + 3L * i * i, (ushort)(i * 37 % 32768), (ushort)(i * 101 % 32768), (byte)(i % 2));
        using var payload = new PooledBuffer();
        Aedat4Packet.EncodeEventsPayload(events, 0, count, payload);
        byte[] bytes = payload.Span.ToArray();
        if (edit is not null) for (int i = 0; i < count; i++) edit(i, bytes, 32 + 16 * i);
        return bytes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(4096)]
    public void FieldsLandInTheirColumnsAndAnyNonzeroPolarityIsOn(int count)
    {
        byte[] polarity = [0, 1, 2, 0x80, 0xFF, 0x10, 0, 0x01];
        byte[] body = Payload(count, (i, b, at) => b[at + 12] = polarity[i % polarity.Length]);
        using var into = new EventBatch(4, 0, 0);
        into.Add(5, 6, 7, 1);   // appended after what is there
        Assert.Equal(count, Aedat4Packet.DecodeEvents(body, Aedat4Compression.None, into));
        Assert.Equal(count + 1, into.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(1_600_000_000_000_000 + 3L * i * i, into.T[i + 1]);
            Assert.Equal(i * 37 % 32768, into.X[i + 1]);
            Assert.Equal(i * 101 % 32768, into.Y[i + 1]);
            Assert.Equal(polarity[i % polarity.Length] != 0 ? 1 : 0, into.P[i + 1]);
        }
    }

    [Theory]
    [InlineData(1, 8)]    // x of a struct in the vectorised part
    [InlineData(6, 10)]   // y of a struct in the vectorised part
    [InlineData(9, 9)]    // high byte of x in the scalar tail (11 structs: 8 vectorised, 3 scalar)
    public void NegativeCoordinatesAreTypedErrorsAtTheirStruct(int index, int byteInStruct)
    {
        byte[] body = Payload(11, (i, b, at) => { if (i == index) b[at + byteInStruct] |= 0x80; if (byteInStruct == 8 && i == index) b[at + 9] |= 0x80; if (byteInStruct == 10 && i == index) b[at + 11] |= 0x80; });
        using var into = new EventBatch(16, 0, 0);
        var ex = Assert.Throws<EventFormatException>(() => Aedat4Packet.DecodeEvents(body, Aedat4Compression.None, into, "p.aedat4"));
        Assert.Equal(32 + 16 * index + 8, ex.Offset);
    }
}
