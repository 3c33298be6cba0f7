using EventSnn.Ingest;

namespace EventSnn.Tests.Ingest;

public class EventBatchTests
{
    [Fact]
    public void WrappedBatchThatGrewReturnsItsRentedColumnsOnDispose()
    {
        var batch = new EventBatch(new long[2], new ushort[2], new ushort[2], new byte[2], 0, 8, 8);
        for (int i = 0; i < 100; i++) batch.Add(i, 1, 2, 1);
        Assert.True(batch.Capacity >= 100);
        Assert.Equal(99, batch[99].T);
        batch.Dispose();
        // Before the fix Dispose ignored columns rented by Grow on a wrapped batch; now they go back and the batch is empty.
        Assert.Equal(0, batch.Capacity);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void WrappedBatchThatNeverGrewKeepsTheCallersArrays()
    {
        var t = new long[4];
        var batch = new EventBatch(t, new ushort[4], new ushort[4], new byte[4], 2, 8, 8);
        batch.Dispose();
        Assert.Equal(4, batch.Capacity);
    }

    [Fact]
    public void AppendAndSliceCopyColumns()
    {
        using var a = new EventBatch(2, 10, 10);
        a.Add(1, 2, 3, 1);
        a.Add(4, 5, 6, 0);
        using var b = new EventBatch(1, 10, 10);
        b.Append(a);
        b.Append(a);
        Assert.Equal(4, b.Count);
        using var s = b.Slice(1, 2);
        Assert.Equal((4L, (ushort)5, (ushort)6, (byte)0), s[0]);
        Assert.Equal((1L, (ushort)2, (ushort)3, (byte)1), s[1]);
    }
}
