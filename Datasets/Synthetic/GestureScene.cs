namespace EventSnn.Datasets.Synthetic;

/// <summary>
/// One synthetic gesture: up to two "hands" (textured discs) that rise into view, move the way the DVS128 Gesture
/// class moves, and drop out of view after the labelled window. Each instance draws its own position offset, size,
/// speed, phase, onset delay, brightness and texture, so that some samples are clear within the first timesteps and
/// others only late. Coordinates are sensor pixels (128×128, x right, y down); the subject faces the camera, so
/// the subject's right hand appears on the image's left.
/// </summary>
internal sealed class GestureScene
{
    /// <summary>Parameters of one hand's appearance.</summary>
    internal readonly record struct HandLook(float Radius, float Level, float TextureContrast, float WaveNumber, float CosAngle, float SinAngle, float Phase);

    readonly int _class;
    readonly double _ox, _oy, _s, _f, _phi;
    readonly double[] _rx = new double[16], _ry = new double[16];

    /// <param name="classIndex">Class 0–10 (DVS128 Gesture class − 1).</param>
    /// <param name="windowSec">Length of the labelled window.</param>
    /// <param name="backgroundLevel">Mean background intensity (hand brightness is relative to it).</param>
    /// <param name="bodyX">Horizontal offset of the subject in this trial (px).</param>
    /// <param name="bodyY">Vertical offset of the subject in this trial (px).</param>
    /// <param name="rng">Source of this gesture's variations.</param>
    public GestureScene(int classIndex, double windowSec, double backgroundLevel, double bodyX, double bodyY, SplitMixRandom rng)
    {
        if (classIndex is < 0 or > 10) throw new ArgumentOutOfRangeException(nameof(classIndex));
        _class = classIndex;
        WindowSec = windowSec;
        _ox = bodyX + rng.Uniform(-3, 3);
        _oy = bodyY + rng.Uniform(-3, 3);
        _s = rng.Uniform(0.85, 1.15);
        _f = rng.Uniform(0.75, 1.3);
        _phi = rng.Uniform(0, 2 * Math.PI);
        // Onset delay: a label window starts where the annotator saw the gesture begin, so most gestures are under
        // way at once; some start a little late and a few (a slow subject, a late label) only after a fifth of the
        // window, so that waiting still pays off for part of the data.
        double u = rng.NextDouble();
        double onsetFraction = u < 0.75 ? rng.Uniform(0, 0.04) : u < 0.93 ? rng.Uniform(0.04, 0.15) : rng.Uniform(0.15, 0.3);
        OnsetSec = onsetFraction * windowSec;
        RaiseSec = Math.Min(rng.Uniform(0.05, 0.14), 0.3 * windowSec);
        LowerSec = 0.2;
        HandCount = classIndex switch { 0 or 7 or 8 or 9 => 2, 10 => rng.Chance(0.5) ? 2 : 1, _ => 1 };
        bool bright = rng.Chance(0.8);
        float radius = (float)(rng.Uniform(5.5, 8) * _s);
        Looks = new HandLook[HandCount];
        for (int h = 0; h < HandCount; h++)
        {
            double angle = rng.Uniform(0, Math.PI);
            Looks[h] = new HandLook(
                radius * (float)rng.Uniform(0.9, 1.1),
                (float)(backgroundLevel * (bright ? rng.Uniform(1.7, 2.6) : rng.Uniform(0.35, 0.55))),
                (float)rng.Uniform(0.1, 0.35),
                (float)rng.Uniform(0.3, 0.9),
                (float)Math.Cos(angle), (float)Math.Sin(angle),
                (float)rng.Uniform(0, 2 * Math.PI));
        }
        for (int i = 0; i < _rx.Length; i++) { _rx[i] = rng.NextDouble(); _ry[i] = rng.NextDouble(); }
    }

    /// <summary>Number of hands in the scene.</summary>
    public int HandCount { get; }

    /// <summary>Appearance of each hand.</summary>
    public HandLook[] Looks { get; }

    /// <summary>Length of the labelled window in seconds.</summary>
    public double WindowSec { get; }

    /// <summary>Seconds from the window start until the hands start rising.</summary>
    public double OnsetSec { get; }

    /// <summary>Seconds the hands take to rise to the gesture's start pose.</summary>
    public double RaiseSec { get; }

    /// <summary>Seconds the hands take to drop out of view after the window.</summary>
    public double LowerSec { get; }

    /// <summary>Seconds after the window start during which anything is visible.</summary>
    public double VisibleUntilSec => WindowSec + LowerSec;

    /// <summary>
    /// Centre of hand <paramref name="h"/> at <paramref name="tau"/> seconds after the window start; false when the
    /// hand is out of view.
    /// </summary>
    public bool HandAt(int h, double tau, out float x, out float y)
    {
        x = y = 0;
        if (tau < OnsetSec || tau > VisibleUntilSec) return false;
        double motion = tau - OnsetSec - RaiseSec;
        (double px, double py) = Motion(h, Math.Max(0, Math.Min(motion, WindowSec - OnsetSec - RaiseSec)));
        double restY = 128 + Looks[h].Radius + 3;
        if (tau < OnsetSec + RaiseSec)
        {
            double a = Smooth((tau - OnsetSec) / RaiseSec);
            py = restY + (py - restY) * a;
        }
        else if (tau > WindowSec)
        {
            double a = Smooth((tau - WindowSec) / LowerSec);
            py += (restY - py) * a;
        }
        x = (float)px; y = (float)py;
        return py - Looks[h].Radius < 128 + 1;
    }

    static double Smooth(double a) { a = Math.Clamp(a, 0, 1); return a * a * (3 - 2 * a); }

    (double X, double Y) Motion(int h, double t)
    {
        double x0 = 64 + _ox, y0 = 60 + _oy, s = _s;
        double U(double hz) => 2 * Math.PI * hz * _f * t + _phi;
        switch (_class)
        {
            case 0: // hand clapping: both hands meet in front of the chest
            {
                double d = s * (7 + 13 * 0.5 * (1 + Math.Cos(U(2.2))));
                return (h == 0 ? x0 - d : x0 + d, y0 + 4 * s);
            }
            case 1: // right hand wave (image left)
                return (x0 - 30 * s + 12 * s * Math.Sin(U(1.8)), y0 - 22 * s + 3 * s * Math.Cos(2 * U(1.8)));
            case 2: // left hand wave (image right)
                return (x0 + 30 * s - 12 * s * Math.Sin(U(1.8)), y0 - 22 * s + 3 * s * Math.Cos(2 * U(1.8)));
            case 3: // right arm clockwise (on screen, y down)
                return Circle(x0 - 28 * s, y0 - 4 * s, 18 * s, U(1.1));
            case 4: // right arm counter-clockwise
                return Circle(x0 - 28 * s, y0 - 4 * s, 18 * s, -U(1.1));
            case 5: // left arm clockwise
                return Circle(x0 + 28 * s, y0 - 4 * s, 18 * s, U(1.1));
            case 6: // left arm counter-clockwise
                return Circle(x0 + 28 * s, y0 - 4 * s, 18 * s, -U(1.1));
            case 7: // arm roll: forearms circle around each other
            {
                double u = U(1.8), r = 9 * s, sign = h == 0 ? 1 : -1;
                return (x0 + sign * r * Math.Cos(u), y0 + 6 * s + sign * r * Math.Sin(u));
            }
            case 8: // air drums: alternating downward strikes
            {
                double u = U(1.5) + (h == 0 ? 0 : Math.PI / 2);
                return (x0 + (h == 0 ? -18 : 18) * s, y0 + 4 * s + 10 * s * Math.Abs(Math.Sin(u)));
            }
            case 9: // air guitar: fast strumming low, slow fretting hand up and out
                return h == 0
                    ? (x0 - 8 * s + 3 * s * Math.Sin(2 * U(1.75)), y0 + 16 * s + 11 * s * Math.Sin(U(3.5)))
                    : (x0 + 30 * s + 6 * s * Math.Sin(U(0.7)), y0 - 8 * s + 4 * s * Math.Sin(U(0.7)));
            default: // other gestures: slow, aperiodic movements anywhere in front of the body (reaching, scratching,
            // adjusting). Slower than any of the ten rhythmic gestures, so an "other" sample never is a wave or a
            // circle in all but its label.
            {
                int o = h * 6;
                double cx = 30 + 68 * _rx[o], cy = 35 + 50 * _ry[o];
                double px = cx, py = cy;
                for (int k = 1; k < 6; k += 2)
                {
                    double hz = 0.15 + 0.45 * _rx[o + k], amp = 4 + 10 * _ry[o + k];
                    px += amp * Math.Sin(2 * Math.PI * hz * t + 6.28 * _rx[o + k + 1]);
                    py += amp * Math.Cos(2 * Math.PI * hz * 0.8 * t + 6.28 * _ry[o + k + 1]);
                }
                return (px, py);
            }
        }
    }

    static (double, double) Circle(double cx, double cy, double r, double u) => (cx + r * Math.Cos(u), cy + r * Math.Sin(u));
}
