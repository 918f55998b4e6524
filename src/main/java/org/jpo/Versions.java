package org.jpo;

/** What built a result, for manifests: jpo's own version and the libtorch (JavaCPP presets) version it ran on. */
public final class Versions {
    public static final String JPO = "0.1.0";

    private Versions() {}

    /** e.g. "2.10.0-1.5.13": the PyTorch version, then the JavaCPP presets release. */
    public static String libtorch() {
        String v = org.bytedeco.pytorch.Tensor.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
