using EventSnn.Datasets;

namespace EventSnn.Tests.Conversion;

/// <summary>Event samples collapse to one frame for the ANN and stay sliced for the SNN.</summary>
public class CollapsedEventFramesTests
{
    [Fact]
    public void CollapsedFrameIsTheSumOfTheSlices()
    {
        // 2 samples, T = 3, 2×1×2 frames: sample i slice t pixel j = 100·i + 10·t + j.
        var data = new float[2 * 3 * 2 * 1 * 2];
        for (int i = 0; i < 2; i++)
        for (int t = 0; t < 3; t++)
        for (int j = 0; j < 4; j++)
            data[i * 12 + t * 4 + j] = 100 * i + 10 * t + j;
        using var set = new FrameSet(data, new[] { 1, 0 }, 3, 1, 2, new[] { "a", "b" });
        var frames = new CollapsedEventFrames("test", set);
        Assert.Equal(3, frames.Timesteps);
        Assert.Equal((2, 1, 2), (frames.Channels, frames.Height, frames.Width));
        var collapsed = new float[4];
        frames.CopySample(1, collapsed);
        Assert.Equal(new float[] { 330, 333, 336, 339 }, collapsed);
        var slice = new float[4];
        frames.CopyTimestep(1, 2, slice);
        Assert.Equal(new float[] { 120, 121, 122, 123 }, slice);
        Assert.Equal(0, frames.Label(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => frames.CopyTimestep(0, 3, slice));
    }

    [Fact]
    public void TranslationAugmentsOnlyWhenAGeneratorIsGiven()
    {
        var data = new float[1 * 1 * 2 * 4 * 4];
        data[0 * 16 + 1 * 4 + 1] = 5;   // OFF channel, pixel (1, 1)
        using var set = new FrameSet(data, new[] { 0 }, 1, 4, 4, new[] { "a" });
        var frames = new CollapsedEventFrames("test", set, new RandomTranslation(maxShift: 1));
        var plain = new float[32];
        frames.CopySample(0, plain);
        Assert.Equal(5, plain[5]);
        var moved = new float[32];
        bool anyMoved = false;
        var rng = new Random(4);
        for (int k = 0; k < 20 && !anyMoved; k++)
        {
            frames.CopySample(0, moved, rng);
            Assert.Equal(5, moved.Sum());
            anyMoved = moved[5] == 0;
        }
        Assert.True(anyMoved, "translation never moved the event");
    }
}
