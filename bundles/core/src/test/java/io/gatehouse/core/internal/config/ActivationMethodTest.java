package io.gatehouse.core.internal.config;

import static org.junit.Assert.assertEquals;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.osgi.framework.BundleContext;

/**
 * SCR picks among methods named {@code activate} by their parameters, and prefers one taking only the
 * configuration over one taking the bundle context too (DS 1.3, 112.5.8): with both present it called the
 * wrong one and the core's log listener was never registered (followers applied replicated writes only through
 * the 1 s catch-up). There must be one {@code activate}, the one that registers the listener.
 */
public class ActivationMethodTest {
    @org.junit.Test
    public void theOnlyActivateMethodTakesTheBundleContext() {
        List<Method> activate = Arrays.stream(CoreConfigService.class.getDeclaredMethods())
                .filter(m -> m.getName().equals("activate")).toList();
        assertEquals(activate.toString(), 1, activate.size());
        assertEquals(List.of(BundleContext.class, CoreConfigService.Config.class),
                List.of(activate.get(0).getParameterTypes()));
    }
}
