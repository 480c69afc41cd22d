package io.gatehouse.dataplane;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.dataplane.RequestTarget.InvalidTargetException;
import java.util.Random;
import org.junit.Test;

public class RequestTargetTest {

    private static String norm(String target) throws InvalidTargetException {
        return RequestTarget.normalize(target, false);
    }

    private static void invalid(String target) {
        assertThrows(target, InvalidTargetException.class, () -> RequestTarget.normalize(target, false));
    }

    @Test
    public void normalTargetsAreReturnedAsTheSameInstance() throws Exception {
        for (String t : new String[] {"/", "/a", "/a/b/", "/a/b?x=1&y=%2F", "/a%2Fb/c;v=1/~user", "/%2f%3F%23",
            "/.well-known/x", "/a/...", "/a/.b/..c", "/?", "/a?../..//", "/a?q=[1]|{x}\"<>\\^`", "/%00",
            "/~user/-_.!$&'()*+,;=:@"}) {
            assertSame(t, RequestTarget.normalize(t, false));
            assertSame(t, RequestTarget.normalize(t, true));
        }
    }

    @Test
    public void dotSegmentsAreRemovedAndClampedAtTheRoot() throws Exception {
        assertEquals("/dead/x", norm("/t3/../dead/x"));
        assertEquals("/dead/x", norm("/./dead/./x"));
        assertEquals("/x", norm("/../x"));
        assertEquals("/x", norm("/../../x"));
        assertEquals("/", norm("/.."));
        assertEquals("/", norm("/."));
        assertEquals("/a/", norm("/a/b/.."));
        assertEquals("/a/b/", norm("/a/b/."));
        assertEquals("/a/?q=/../x", norm("/a/b/..?q=/../x"));
    }

    @Test
    public void repeatedSlashesAreMerged() throws Exception {
        assertEquals("/dead/x", norm("//dead/x"));
        assertEquals("/a/b/", norm("/a//b//"));
        assertEquals("/", norm("//"));
        assertEquals("/b", norm("/a//../b"));
        assertEquals("/b", norm("/a/..//b"));
        assertEquals("/a/?x=//", norm("/a//?x=//"));
    }

    @Test
    public void percentEncodedUnreservedCharactersAreDecodedReservedOnesKeptExactly() throws Exception {
        assertEquals("/dead/x", norm("/%64ead/x"));
        assertEquals("/dead/x", norm("/%64%65%61%64/x"));
        assertEquals("/a-._~Z9", norm("/a%2D%2e%5F%7eZ%39"));
        assertEquals("/dead", norm("/%2e%2E/dead"));
        assertEquals("/dead", norm("/a/%2e%2e/dead"));
        assertEquals("/x/%2F/%2f/%3F/%25/%e2%82%ac", norm("/%78/%2F/%2f/%3F/%25/%e2%82%ac"));
        assertEquals("/d?q=%64%2e", norm("/%64?q=%64%2e"));
    }

    @Test
    public void rejectModeRefusesEveryTargetThatIsNotNormal() {
        for (String t : new String[] {"/t3/../dead/x", "//dead/x", "/%64ead/x", "/a/.", "/..", "/a/%2e%2e/b"}) {
            assertThrows(t, InvalidTargetException.class, () -> RequestTarget.normalize(t, true));
        }
    }

    @Test
    public void malformedTargetsAreRefused() {
        for (String t : new String[] {"", "dead/x", "*/dead/x", "/a b", "/a\u0000b", "/a\tb", "/a\u007f",
            "/%zz", "/%2", "/%", "/a%g0", "/a?%zz", "/a?b%", "/a#frag", "/a?b#c", "/a\\..\\b", "/caf\u00e9",
            "/a?caf\u00e9", "/a|b", "/a[1]", "/a\"b", "/{x}", "/a?b c", "/a?b\u0001", "/..;/dead", "/a/.;x/b",
            "/a/%2e%2E;x/b"}) {
            invalid(t);
        }
    }

    @Test
    public void absoluteFormIsReducedToItsAuthorityAndAnOriginFormTarget() throws Exception {
        assertEquals(new RequestTarget.Absolute("other.example", "/dead/x"),
                RequestTarget.absolute("http://other.example/dead/x", false));
        assertEquals(new RequestTarget.Absolute("Other.Example:8080", "/dead/x?y=%2F"),
                RequestTarget.absolute("HTTP://Other.Example:8080/a/../dead/x?y=%2F", false));
        assertEquals(new RequestTarget.Absolute("h", "/"), RequestTarget.absolute("https://h", false));
        assertEquals(new RequestTarget.Absolute("h", "/?q"), RequestTarget.absolute("http://h?q", false));
        assertEquals(new RequestTarget.Absolute("[::1]:81", "/"), RequestTarget.absolute("http://[::1]:81/", false));
        for (String t : new String[] {"dead/x", "*/dead/x", "ftp://h/x", "http:/h/x", "http://u@evil/x",
            "http:///x", "http://a b/x", "http://h:x/", "http://h/%zz", "1http://h/", "http://h#f/"}) {
            assertThrows(t, InvalidTargetException.class, () -> RequestTarget.absolute(t, false));
        }
        assertThrows(InvalidTargetException.class, () -> RequestTarget.absolute("http://h//x", true));
    }

    @Test
    public void hostValues() {
        for (String h : new String[] {"example.com", "EXAMPLE.com:8080", "127.0.0.1", "127.0.0.1:1", "a-b_c~d.e",
            "[::1]", "[::1]:443", "[2001:db8::7]", "[::ffff:10.0.0.1]:80", "[1:2:3:4:5:6:7:8]", "x%41y", "h:65535"}) {
            assertTrue(h, RequestTarget.validHost(h, false));
        }
        for (String h : new String[] {"a b", "a/b", "u@evil", "host:", "host:abc", "host:80x", "host:65536",
            "host:123456", ":80", "a,b", "a;b", "[::1", "[::1]x", "[::1]:", "[::g]", "[1:2]", "[::1%25eth0]",
            "[v1.x]", "a\u0000b", "caf\u00e9", "h%4", "h%zz", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]",
            "[::ffff:1.2.3.256]", "[::1.2.3]", "[\u0661::1]"}) {
            assertFalse(h, RequestTarget.validHost(h, true));
        }
        assertTrue(RequestTarget.validHost("", true));
        assertFalse(RequestTarget.validHost("", false));
    }

    @Test
    public void rulePathsMustBeNormal() {
        assertTrue(RequestTarget.isNormalPath("/dead/"));
        assertTrue(RequestTarget.isNormalPath("/a%2Fb"));
        assertFalse(RequestTarget.isNormalPath("/a/../dead/"));
        assertFalse(RequestTarget.isNormalPath("/%64ead/"));
        assertFalse(RequestTarget.isNormalPath("//dead"));
        assertFalse(RequestTarget.isNormalPath("/a?b"));
        assertFalse(RequestTarget.isNormalPath("dead"));
        assertFalse(RequestTarget.isNormalPath("/a b"));
    }

    /** Random targets from the interesting alphabet: a normalized target is normal, and stays the same. */
    @Test
    public void normalizationIsIdempotent() throws Exception {
        String[] parts = {"/", "/", ".", "..", "a", "%2e", "%2E", "%2F", "%64", "%25", "%41", ";", "?", "b"};
        Random random = new Random(5);
        int checked = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder("/");
            int len = random.nextInt(10);
            for (int k = 0; k < len; k++) {
                sb.append(parts[random.nextInt(parts.length)]);
            }
            String once;
            try {
                once = norm(sb.toString());
            } catch (InvalidTargetException e) {
                continue;
            }
            checked++;
            assertSame(sb + " -> " + once, once, RequestTarget.normalize(once, true));
            int q = once.indexOf('?');
            String path = q < 0 ? once : once.substring(0, q);
            assertFalse(once, path.contains("//") || path.contains("/./") || path.contains("/../")
                    || path.endsWith("/.") || path.endsWith("/..") || path.contains("%2e") || path.contains("%2E")
                    || path.contains("%64") || path.contains("%41"));
        }
        assertTrue("enough valid samples: " + checked, checked > 10_000);
    }
}
