package org.jpo.tensor;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/**
 * The thin layer over the JavaCPP presets: boxing of Scalars and optionals, Java arrays in and out,
 * shape checks. Use with {@code import static org.jpo.tensor.Tensors.*}.
 *
 * <p>Ownership: every tensor made on a thread inside a {@link org.bytedeco.javacpp.PointerScope} is
 * freed when the scope closes. A tensor that must outlive its scope is {@link #keep kept}, and its
 * owner {@code close()}s it.
 */
public final class Tensors {
    static { Natives.load(); }

    private Tensors() {}

    public static Scalar s(double v) { return new Scalar(v); }

    public static TensorOptional opt(Tensor t) { return new TensorOptional(t); }

    public static TensorOptional none() { return new TensorOptional(); }

    public static TensorOptions options(ScalarType dtype) { return new TensorOptions(dtype); }

    /** Marks a tensor as owned beyond the current scope; its owner must {@code close()} it. */
    public static Tensor keep(Tensor t) { return t.retainReference(); }

    /** A new int64 tensor holding a copy of {@code data}. */
    public static Tensor longs(long[] data, long... shape) {
        checkCount(data.length, shape);
        try (LongPointer p = new LongPointer(data)) {
            return torch.from_blob(p, shape, options(ScalarType.Long)).clone();
        }
    }

    /** A new float32 tensor holding a copy of {@code data}. */
    public static Tensor floats(float[] data, long... shape) {
        checkCount(data.length, shape);
        try (FloatPointer p = new FloatPointer(data)) {
            return torch.from_blob(p, shape, options(ScalarType.Float)).clone();
        }
    }

    /** A new float64 tensor holding a copy of {@code data}. */
    public static Tensor doubles(double[] data, long... shape) {
        checkCount(data.length, shape);
        try (DoublePointer p = new DoublePointer(data)) {
            return torch.from_blob(p, shape, options(ScalarType.Double)).clone();
        }
    }

    /** A float32 tensor of the given values, shape [n]. */
    public static Tensor vector(double... values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        return floats(f, f.length);
    }

    public static float[] toFloats(Tensor t) {
        Tensor c = t.detach().to(ScalarType.Float).contiguous();
        float[] out = new float[Math.toIntExact(c.numel())];
        if (out.length > 0) c.data_ptr_float().get(out);
        return out;
    }

    public static double[] toDoubles(Tensor t) {
        Tensor c = t.detach().to(ScalarType.Double).contiguous();
        double[] out = new double[Math.toIntExact(c.numel())];
        if (out.length > 0) c.data_ptr_double().get(out);
        return out;
    }

    public static long[] toLongs(Tensor t) {
        Tensor c = t.detach().to(ScalarType.Long).contiguous();
        long[] out = new long[Math.toIntExact(c.numel())];
        if (out.length > 0) c.data_ptr_long().get(out);
        return out;
    }

    public static double item(Tensor t) { return t.item_double(); }

    /** Sum over one dimension, dropping it. */
    public static Tensor sum(Tensor t, long dim) {
        return t.sum(new long[] {dim}, false, new ScalarTypeOptional());
    }

    /** Mean over one dimension, dropping it. */
    public static Tensor mean(Tensor t, long dim) {
        return t.mean(new long[] {dim}, false, new ScalarTypeOptional());
    }

    public static long[] sizes(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    public static String shape(Tensor t) { return Arrays.toString(sizes(t)); }

    /** Fails with the offending shape unless {@code t} has {@code expected} (-1 matches any size). */
    public static void checkShape(Tensor t, String name, long... expected) {
        long[] actual = sizes(t);
        boolean ok = actual.length == expected.length;
        for (int i = 0; ok && i < actual.length; i++) ok = expected[i] < 0 || expected[i] == actual[i];
        if (!ok) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(actual) + ", expected "
                    + Arrays.toString(expected).replace("-1", "*"));
        }
    }

    private static void checkCount(int n, long[] shape) {
        long want = 1;
        for (long d : shape) want *= d;
        if (want != n) throw new IllegalArgumentException(n + " values do not fill shape " + Arrays.toString(shape));
    }
}
