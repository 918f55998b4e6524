package org.jpo.testing;

import org.jpo.tensor.Natives;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** Loads libtorch once, before any test touches a tensor (see {@link Natives} for why). */
public final class LoadNatives implements LauncherSessionListener {
    @Override public void launcherSessionOpened(LauncherSession session) { Natives.load(); }
}
