using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EventSnn.Ingest;

/// <summary>
/// Decoder for one LZ4 block (the LZ4 block format: sequences of a token byte, literal-length extension bytes,
/// literals, a 16-bit little-endian match offset and match-length extension bytes; the last sequence is literals only).
/// Every length and offset is checked against the block's end, the output limit and the start of the dictionary, so
/// damaged input is an <see cref="EventFormatException"/> naming the byte offset inside the block, never a read or write
/// outside the given spans. Speed comes from fixed-size copies (no length-dependent branch) for the short sequences that
/// dominate event data while far from both ends; long runs, overlapping matches and the ends are copied exactly.
/// </summary>
public static class Lz4Block
{
    /// <summary>Smallest match length of the format, in bytes (a match-length nibble of 0 means 4 bytes).</summary>
    public const int MinMatch = 4;

    /// <summary>
    /// Decodes the block <paramref name="block"/> into <paramref name="output"/> starting at <paramref name="outputStart"/>,
    /// producing at most <paramref name="maxLength"/> bytes, and returns the number of bytes decoded. Matches may reach
    /// back up to <paramref name="dictionaryLength"/> bytes before <paramref name="outputStart"/> (linked blocks: the
    /// previous output is the dictionary). Only <paramref name="output"/>[outputStart, outputStart + maxLength) is written,
    /// and bytes in it after the decoded ones may be overwritten (the fixed-size copies). Damaged input is an
    /// <see cref="EventFormatException"/> naming <paramref name="name"/> and the byte offset inside <paramref name="block"/>.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> block, Span<byte> output, int outputStart = 0, int dictionaryLength = 0,
        int maxLength = int.MaxValue, string name = "<lz4 block>")
    {
        try { return DecodeAt(block, 0, block.Length, output, outputStart, dictionaryLength, maxLength); }
        catch (PayloadException ex) { throw ex.At(name, null, 0); }
    }

    /// <summary>
    /// Decodes the block at <paramref name="blockStart"/> of <paramref name="blockSize"/> bytes inside
    /// <paramref name="source"/>; errors are <see cref="PayloadException"/>s with offsets inside <paramref name="source"/>.
    /// </summary>
    internal static unsafe int DecodeAt(ReadOnlySpan<byte> source, int blockStart, int blockSize, Span<byte> output,
        int outputStart, int dictionaryLength, int maxLength)
    {
        if ((uint)blockStart > (uint)source.Length || (uint)blockSize > (uint)(source.Length - blockStart))
            throw new ArgumentOutOfRangeException(nameof(blockSize));
        if ((uint)outputStart > (uint)output.Length || (uint)dictionaryLength > (uint)outputStart || maxLength < 0)
            throw new ArgumentOutOfRangeException(nameof(outputStart));
        int limit = Math.Min(maxLength, output.Length - outputStart);
        fixed (byte* s = source)
        fixed (byte* o = output)
        {
            return Core(s, s + blockStart, s + blockStart + blockSize, o + outputStart, o + outputStart + limit, o + outputStart - dictionaryLength);
        }
    }

    // Decodes [ip, iend) into [dst, oend); [lowest, dst) is history. Error offsets are relative to src.
    // Most sequences go through FastSequences; what it leaves (long runs, overlapping or long matches, bad offsets, the
    // last bytes of either end) is decoded here one sequence at a time with every length checked and exact copies.
    static unsafe int Core(byte* src, byte* ip, byte* iend, byte* dst, byte* oend, byte* lowest)
    {
        byte* op = dst;
        while (true)
        {
            op = FastSequences(ip, iend, op, oend, lowest, out ip);
            if (ip >= iend) Fail(src, ip, Problem.Token, 0, 0);
            nuint token = *ip++;
            nuint ll = token >> 4;
            if (ll == 15) { ip = ReadLengthExtension(src, ip, iend, out nuint more); ll += more; }
            if ((nuint)(iend - ip) < ll) Fail(src, ip, Problem.LiteralsPastBlock, (long)ll, iend - ip);
            if ((nuint)(oend - op) < ll) Fail(src, ip, Problem.OutputFull, (long)ll, oend - op);
            Buffer.MemoryCopy(ip, op, ll, ll);
            ip += ll;
            op += ll;
            if (ip == iend) break;  // the last sequence has literals only
            if (iend - ip < 2) Fail(src, ip, Problem.Offset, 0, 0);
            byte* offsetAt = ip;
            nuint offset = Unsafe.ReadUnaligned<ushort>(ip);
            ip += 2;
            nuint ml = token & 15;
            if (ml == 15) { ip = ReadLengthExtension(src, ip, iend, out nuint more); ml += more; }
            op = CopyMatch(src, offsetAt, op, oend, lowest, offset, ml + MinMatch);
        }
        return (int)(op - dst);
    }

    // The common sequence (literal run < 15, match of 4..18 bytes at least 16 back inside the history) with fixed-size
    // copies: literals as one 4-, 8- or 16-byte copy, the match as 8 bytes (+ 8, + 16 for longer ones). Such a sequence
    // reads at most 17 input bytes from its token (token, 14 literals, offset; the literal copy reads 16 from ip + 1)
    // and writes at most 46 output bytes, advancing op by at most 32; so n = min(input / 17, (output − 16) / 32) of them
    // run without checking either end. Stops, leaving ip at the token, at the first other sequence. Its own method so
    // that ip and op stay in registers.
    // Why 8-byte match copies and not 16: a match usually reads output written a few sequences before, still in the
    // CPU's store queue; a load spanning several earlier stores cannot be forwarded and waits for them to reach the
    // cache. Narrower copies overlap fewer earlier stores: measured 30 % faster on event data than 16-byte copies.
    // The next token is taken from 8 bytes read at ip + 3 before this token's literal length is known (runs of 0..7
    // literals, nearly all of them in event data): that load does not wait for the length, which shortens the
    // token-to-token dependency chain.
    static unsafe byte* FastSequences(byte* ip, byte* iend, byte* op, byte* oend, byte* lowest, out byte* ipOut)
    {
        {
            while (true)
            {
                long n = Math.Min((iend - ip) / 17, (oend - op - 16) / 32);
                if (n <= 0) break;
                uint token = *ip;
                do
                {
                    ulong ahead = Unsafe.ReadUnaligned<ulong>(ip + 3);
                    nuint ll = token >> 4;
                    nuint ml = token & 15u;
                    if (ll == 15 || ml == 15) goto Done;
                    nuint offset = Unsafe.ReadUnaligned<ushort>(ip + 1 + ll);
                    byte* mop = op + ll;
                    byte* match = mop - offset;
                    if (offset < 16 || match < lowest) goto Done;
                    if (ll <= 4) Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<uint>(ip + 1));
                    else if (ll <= 8) Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(ip + 1));
                    else Vector128.Store(Vector128.Load(ip + 1), op);
                    Unsafe.WriteUnaligned(mop, Unsafe.ReadUnaligned<ulong>(match));
                    if (ml > 4)
                    {
                        Unsafe.WriteUnaligned(mop + 8, Unsafe.ReadUnaligned<ulong>(match + 8));
                        if (ml > 12) Vector128.Store(Vector128.Load(match + 16), mop + 16);
                    }
                    ip += ll + 3;
                    op = mop + ml + MinMatch;
                    token = ll < 8 ? (uint)(byte)(ahead >> (int)(ll * 8)) : *ip;
                }
                while (--n != 0);
            }
        }
    Done:
        ipOut = ip;
        return op;
    }

    // A match of ml bytes (length extension already read) with every check: offset within the history, room in the
    // output. Overlapping matches (offset < length) repeat a pattern of period = offset; copying the whole span behind
    // op doubles it each round. at: where the offset was read (for errors).
    [MethodImpl(MethodImplOptions.NoInlining)]
    static unsafe byte* CopyMatch(byte* src, byte* at, byte* op, byte* oend, byte* lowest, nuint offset, nuint ml)
    {
        if (offset == 0 || offset > (nuint)(op - lowest)) Fail(src, at, Problem.MatchOffset, (long)offset, op - lowest);
        if ((nuint)(oend - op) < ml) Fail(src, at, Problem.OutputFull, (long)ml, oend - op);
        byte* match = op - offset;
        byte* end = op + ml;
        while (op < end)
        {
            nuint chunk = (nuint)(op - match);
            if (chunk > (nuint)(end - op)) chunk = (nuint)(end - op);
            Buffer.MemoryCopy(match, op, chunk, chunk);   // [match, op) never overlaps [op, op + chunk)
            op += chunk;
        }
        return end;
    }

    // Length extension: bytes added while they are 255. Bounded by the block's end (each byte needs input).
    [MethodImpl(MethodImplOptions.NoInlining)]
    // Returns the position after the extension (ip stays out of memory in the callers' loops).
    static unsafe byte* ReadLengthExtension(byte* src, byte* ip, byte* iend, out nuint sum)
    {
        sum = 0;
        nuint b;
        do
        {
            if (ip >= iend) Fail(src, ip, Problem.LengthByte, 0, 0);
            b = *ip++;
            sum += b;
        }
        while (b == 255);
        return ip;
    }

    enum Problem { Token, LengthByte, LiteralsPastBlock, OutputFull, Offset, MatchOffset }

    // Messages are built here, out of line, so the decoding loops keep their registers.
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    static unsafe void Fail(byte* src, byte* at, Problem problem, long value, long limit)
    {
        int offset = (int)(at - src);
        throw problem switch
        {
            Problem.Token => new PayloadException(offset, "an LZ4 sequence token", "end of block"),
            Problem.LengthByte => new PayloadException(offset, "an LZ4 length byte", "end of block"),
            Problem.LiteralsPastBlock => new PayloadException(offset, $"at most {limit} literal byte(s) (the rest of the LZ4 block)", value.ToString()),
            Problem.OutputFull => new PayloadException(offset, $"at most {limit} more decoded byte(s)", $"a run of {value} byte(s)"),
            Problem.Offset => new PayloadException(offset, "a 2-byte LZ4 match offset", "end of block"),
            _ => new PayloadException(offset, $"an LZ4 match offset of 1..{limit}", value.ToString()),
        };
    }
}
