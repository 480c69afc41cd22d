package io.gatehouse.cluster.internal.groups;

import static org.junit.Assert.assertEquals;

import java.util.List;
import org.junit.Test;

/** Which address of another group a write tries first, and the order of the others. */
public class GroupAddressesTest {
    private final GroupAddresses addresses = new GroupAddresses("b", List.of("h:1", "h:2", "h:3"));

    @Test
    public void theConfiguredOrderFirstThenFromTheLastThatAnsweredWrappingAround() {
        assertEquals(List.of("h:1", "h:2", "h:3"), addresses.order());
        addresses.answered("h:2");
        assertEquals(List.of("h:2", "h:3", "h:1"), addresses.order());
        addresses.answered("h:3");
        assertEquals(List.of("h:3", "h:1", "h:2"), addresses.order());
        addresses.answered("elsewhere:9");
        assertEquals("an unknown address changes nothing", "h:3", addresses.preferred());
    }

    @Test
    public void aFailedPreferredAddressHandsOverToTheNextOneOtherFailuresChangeNothing() {
        addresses.failed("h:1");
        assertEquals(List.of("h:2", "h:3", "h:1"), addresses.order());
        addresses.failed("h:1");
        assertEquals("h:1 is no longer preferred: its late failure moves nothing", "h:2", addresses.preferred());
        addresses.failed("h:3");
        assertEquals("h:2", addresses.preferred());
        addresses.failed("h:2");
        addresses.failed("h:3");
        assertEquals("wraps around", List.of("h:1", "h:2", "h:3"), addresses.order());
    }

    @Test
    public void aWriteThatHasItsOrderKeepsItWhileOthersMoveThePreferredAddress() {
        List<String> mine = addresses.order();
        addresses.failed("h:1");
        addresses.failed("h:2");
        assertEquals(List.of("h:1", "h:2", "h:3"), mine);
        assertEquals("h:3", addresses.preferred());
    }

    @Test(expected = IllegalArgumentException.class)
    public void aGroupNeedsAnAddress() {
        new GroupAddresses("b", List.of());
    }
}
