package io.gatehouse.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ObjectStatus;
import org.junit.Test;

public class ObjectStatusTest {

    @Test
    public void readyHasNoReasonAndNotReadyNeedsOne() {
        assertTrue(ObjectStatus.READY.ready());
        assertNull(ObjectStatus.READY.reason());
        ObjectStatus down = ObjectStatus.notReady("plugin kind 'proxy' is not installed");
        assertFalse(down.ready());
        assertEquals("plugin kind 'proxy' is not installed", down.reason());
        assertEquals(ObjectStatus.READY, new ObjectStatus(true, null));
        assertThrows(IllegalArgumentException.class, () -> new ObjectStatus(true, "why"));
        assertThrows(IllegalArgumentException.class, () -> new ObjectStatus(false, null));
        assertThrows(IllegalArgumentException.class, () -> ObjectStatus.notReady(""));
    }
}
