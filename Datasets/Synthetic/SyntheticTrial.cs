using EventSnn.Ingest;

namespace EventSnn.Datasets.Synthetic;

/// <summary>One labelled gesture window of a synthetic trial: DVS128 Gesture class (1–11) and <c>[StartUs, EndUs)</c>.</summary>
public readonly record struct SyntheticLabel(int Class, long StartUs, long EndUs);

/// <summary>
/// Renders one synthetic recording ("trial"): a sequence of gestures separated by pauses, seen by the
/// <see cref="DvsEmulator"/> on a textured static background, with the label windows of the gestures.
/// </summary>
internal static class SyntheticTrial
{
    static readonly string[] Lightings = ["fluorescent", "fluorescent_led", "lab", "led", "natural"];

    /// <summary>Lighting names in trial order (DVS128 Gesture's own).</summary>
    public static string Lighting(int index) => Lightings[index % Lightings.Length];

    /// <summary>Generates the events (time-ordered) and label windows of a trial.</summary>
    public static (EventBatch Events, List<SyntheticLabel> Labels) Generate(SyntheticOptions options, int trialIndex)
    {
        var rng = new SplitMixRandom(options.Seed, trialIndex + 1);
        string lighting = Lighting(trialIndex);
        // Lighting sets the scene brightness and the sensor noise: dim scenes are noisier, as on real sensors.
        (double level, double noiseHz) = lighting switch
        {
            "fluorescent" => (0.30, 0.12),
            "fluorescent_led" => (0.28, 0.10),
            "lab" => (0.22, 0.08),
            "led" => (0.32, 0.06),
            _ => (0.18, 0.15),
        };
        noiseHz *= options.NoiseScale;
        var emu = new DvsEmulator(new DvsEmulatorOptions { HotPixels = rng.Next(4) }, rng);
        int w = emu.Width, hgt = emu.Height, n = w * hgt;

        // Static background: a smooth random texture.
        var bg = new float[n];
        var bgLog = new float[n];
        double fx1 = rng.Uniform(0.02, 0.08), fy1 = rng.Uniform(0.02, 0.08), fx2 = rng.Uniform(0.05, 0.15), fy2 = rng.Uniform(0.05, 0.15);
        double p1 = rng.Uniform(0, 6.28), p2 = rng.Uniform(0, 6.28);
        for (int y = 0; y < hgt; y++)
            for (int x = 0; x < w; x++)
            {
                double pat = 0.6 * Math.Sin(fx1 * x + fy1 * y + p1) + 0.4 * Math.Sin(fx2 * x - fy2 * y + p2);
                bg[y * w + x] = (float)(level * (1 + 0.25 * pat));
                bgLog[y * w + x] = MathF.Log(bg[y * w + x] + Eps);
            }
        emu.Reset(bgLog, 0);

        // Gesture order: every class once in a random order; now and then a class repeats, as in the real data.
        var order = Enumerable.Range(1, 11).ToList();
        for (int i = order.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        if (rng.Chance(options.RepeatProbability)) order.Insert(rng.Next(order.Count + 1), 1 + rng.Next(11));

        // The subject: where they stand in this trial, and a head that bobs a little the whole time (it gives the
        // hands a reference point, as the body does in real recordings).
        double bodyX = rng.Uniform(-8, 8), bodyY = rng.Uniform(-6, 6);
        var head = new GestureScene.HandLook((float)rng.Uniform(9, 12), (float)(level * rng.Uniform(1.6, 2.4)), 0.1f, 0.4f, 1, 0, 0);
        double headFx = rng.Uniform(0.2, 0.5), headFy = rng.Uniform(0.2, 0.5), headPx = rng.Uniform(0, 6.28), headPy = rng.Uniform(0, 6.28);
        double headAmp = rng.Uniform(1.0, 2.5);

        long t = 1_000_000 + (long)rng.Uniform(0, 500_000);
        var labels = new List<SyntheticLabel>();
        var scenes = new List<(GestureScene Scene, long StartUs)>();
        foreach (int cls in order)
        {
            t += (long)(rng.Uniform(0.3, 0.5) * 1e6);
            double windowSec = options.WindowSeconds * rng.Uniform(0.9, 1.1);
            long start = t, end = t + (long)(windowSec * 1e6);
            scenes.Add((new GestureScene(cls - 1, windowSec, level, bodyX, bodyY, rng), start));
            labels.Add(new SyntheticLabel(cls, start, end));
            t = end;
        }
        long stop = t + 400_000;
        long first = labels[0].StartUs - 300_000;

        var events = new EventBatch(1 << 16, w, hgt);
        long dt = options.RenderStepUs;
        var stamp = new int[n];
        int step = 0, sceneIdx = 0;
        // Object 0 is the head (always in view), objects 1 and 2 the hands of the current gesture.
        const int Objects = 3;
        Span<float> ox = stackalloc float[Objects], oy = stackalloc float[Objects], px = stackalloc float[Objects], py = stackalloc float[Objects];
        Span<bool> vis = stackalloc bool[Objects], pvis = stackalloc bool[Objects];
        var looks = new GestureScene.HandLook[Objects];
        looks[0] = head;
        pvis.Clear();
        for (long t0 = first; t0 < stop; t0 += dt)
        {
            long t1 = t0 + dt;
            step++;
            emu.AddNoise(t0, t1, noiseHz, events);
            double sec = t1 * 1e-6;
            // The head moves slowly: it is rendered every fourth frame only.
            bool renderHead = step % 4 == 1;
            vis[0] = true;
            ox[0] = (float)(64 + bodyX + headAmp * Math.Sin(2 * Math.PI * headFx * sec + headPx));
            oy[0] = (float)(28 + bodyY + 0.6 * headAmp * Math.Sin(2 * Math.PI * headFy * sec + headPy));
            if (step == 1) { px[0] = ox[0]; py[0] = oy[0]; }
            while (sceneIdx < scenes.Count && t1 > scenes[sceneIdx].StartUs + (long)(scenes[sceneIdx].Scene.VisibleUntilSec * 1e6) + dt)
            {
                sceneIdx++;
                pvis[1] = pvis[2] = false;
            }
            vis[1] = vis[2] = false;
            if (sceneIdx < scenes.Count)
            {
                var (scene, s0) = scenes[sceneIdx];
                double tau = (t1 - s0) * 1e-6;
                for (int h = 0; h < scene.HandCount; h++)
                {
                    vis[h + 1] = scene.HandAt(h, tau, out ox[h + 1], out oy[h + 1]);
                    looks[h + 1] = scene.Looks[h];
                }
            }
            // Pixels whose intensity may have changed: around each object now and one step ago.
            for (int o = 0; o < Objects; o++)
            {
                if (!vis[o] && !pvis[o]) continue;
                if (o == 0 && !renderHead) continue;
                float r = looks[o].Radius + 2.5f;
                float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue;
                if (vis[o]) { minX = ox[o]; maxX = ox[o]; minY = oy[o]; maxY = oy[o]; }
                if (pvis[o]) { minX = Math.Min(minX, px[o]); maxX = Math.Max(maxX, px[o]); minY = Math.Min(minY, py[o]); maxY = Math.Max(maxY, py[o]); }
                int x0 = Math.Max(0, (int)(minX - r)), x1 = Math.Min(w - 1, (int)(maxX + r) + 1);
                int y0 = Math.Max(0, (int)(minY - r)), y1 = Math.Min(hgt - 1, (int)(maxY + r) + 1);
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                    {
                        int idx = y * w + x;
                        if (stamp[idx] == step) continue;
                        stamp[idx] = step;
                        float intensity = bg[idx];
                        for (int k = 0; k < Objects; k++)
                        {
                            if (!vis[k]) continue;
                            var look = looks[k];
                            float dx = x - ox[k], dy = y - oy[k];
                            float dist = MathF.Sqrt(dx * dx + dy * dy);
                            float a = Math.Clamp((look.Radius - dist) / 1.5f + 0.5f, 0f, 1f);
                            if (a <= 0) continue;
                            float tex = look.Level * (1 + look.TextureContrast * MathF.Sin(look.WaveNumber * (dx * look.CosAngle + dy * look.SinAngle) + look.Phase));
                            intensity += a * (tex - intensity);
                        }
                        emu.UpdatePixel(idx, MathF.Log(intensity + Eps), t1, events);
                    }
            }
            for (int o = 1; o < Objects; o++) { pvis[o] = vis[o]; px[o] = ox[o]; py[o] = oy[o]; }
            if (renderHead) { pvis[0] = true; px[0] = ox[0]; py[0] = oy[0]; }
        }
        SortByTime(events);
        return (events, labels);
    }

    const float Eps = 0.01f;

    /// <summary>Sorts the batch by timestamp (deterministic for a given input; jitter and noise arrive out of order).</summary>
    internal static void SortByTime(EventBatch e)
    {
        int n = e.Count;
        var keys = new long[n];
        var idx = new int[n];
        for (int i = 0; i < n; i++) { keys[i] = e.TArray[i]; idx[i] = i; }
        Array.Sort(keys, idx);
        var t = new long[n]; var x = new ushort[n]; var y = new ushort[n]; var p = new byte[n];
        for (int i = 0; i < n; i++)
        {
            int j = idx[i];
            t[i] = e.TArray[j]; x[i] = e.XArray[j]; y[i] = e.YArray[j]; p[i] = e.PArray[j];
        }
        t.CopyTo(e.TArray, 0); x.CopyTo(e.XArray, 0); y.CopyTo(e.YArray, 0); p.CopyTo(e.PArray, 0);
    }
}
