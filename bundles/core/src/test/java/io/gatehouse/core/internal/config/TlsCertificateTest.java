package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.assertViolation;
import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import io.gatehouse.dataplane.ServerTls;
import io.gatehouse.dataplane.TestCertificates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * TLSCertificate objects: validated at their fields' paths, referenced by HTTPServers (which then serve their
 * text), never read back with their key, kept when their redacted form is written again, and not deleted while
 * a server uses them.
 */
public class TlsCertificateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeDataPlane dp = new FakeDataPlane();
    private Fixture f;
    private TestCertificates.Issued issued;

    @Before
    public void start() throws Exception {
        f = new Fixture(new MemoryLog(), dp);
        f.start();
        f.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        f.apply(pipeline("a", "mock", "{status: 200}"));
        issued = TestCertificates.forNames("web", "web.test");
    }

    @After
    public void stop() {
        f.close();
    }

    private static ConfigObject certificate(String name, String certificatePem, String keyPem) {
        ObjectNode spec = JSON.createObjectNode();
        if (certificatePem != null) {
            spec.put("certificate", certificatePem);
        }
        if (keyPem != null) {
            spec.put("key", keyPem);
        }
        return new ConfigObject("TLSCertificate", name, spec, 0);
    }

    private static ConfigObject certificate(String name, TestCertificates.Issued issued) throws Exception {
        return certificate(name, issued.certificatePem(), issued.keyPem());
    }

    private ConfigObject server(String... refs) throws Exception {
        StringBuilder certificates = new StringBuilder();
        for (String ref : refs) {
            certificates.append(certificates.length() == 0 ? "" : ", ").append("{ref: ").append(ref).append('}');
        }
        return f.parse("""
                kind: HTTPServer
                name: web
                spec:
                  address: 127.0.0.1
                  port: 10443
                  tls: {certificates: [%s]}
                  rules: [{pipeline: a}]
                """.formatted(certificates)).get(0);
    }

    private ServerTls.Certificate served(int index) {
        return dp.on(10443).settings().tls().certificates().get(index);
    }

    private ConfigException refused(int status, ConfigObject... objects) {
        ConfigException e = assertThrows(ConfigException.class, () -> f.service.apply(List.of(objects)));
        assertEquals(e.getMessage(), status, e.status());
        return e;
    }

    @Test
    public void aServerServesTheTextOfTheCertificateItReferences() throws Exception {
        List<WriteResult> written = f.service.write(WriteMode.APPLY, List.of(certificate("web-cert", issued),
                server("web-cert")));
        assertEquals(WriteResult.Change.CREATED, written.get(0).change());
        assertTrue("the answer holds no key", written.get(0).object().spec().path("key").asText()
                .startsWith("redacted:sha256:"));
        ServerTls.Certificate c = served(0);
        assertFalse(c.files());
        assertEquals("web-cert", c.object());
        assertEquals(issued.certificatePem(), c.certificatePem());
        assertEquals(issued.keyPem(), c.keyPem());
        assertEquals(ObjectStatus.READY, f.service.status("TLSCertificate", "web-cert").orElseThrow());
        assertEquals(ObjectStatus.READY, f.service.status("HTTPServer", "web").orElseThrow());
    }

    @Test
    public void theKeyIsNeverReadBackAndItsRedactedFormKeepsIt() throws Exception {
        f.service.apply(List.of(certificate("web-cert", issued)));
        String marker = "redacted:sha256:" + TlsCertificates.sha256(issued.keyPem());
        ConfigObject read = f.service.get("TLSCertificate", "web-cert").orElseThrow();
        assertEquals(marker, read.spec().path("key").asText());
        assertEquals(issued.certificatePem(), read.spec().path("certificate").asText());
        assertEquals(marker, f.service.list("TLSCertificate").get(0).spec().path("key").asText());
        assertEquals(marker, f.service.list(null).stream().filter(o -> o.kind().equals("TLSCertificate")).findFirst()
                .orElseThrow().spec().path("key").asText());
        assertFalse(f.service.list(null).toString().contains("PRIVATE KEY"));

        // read, written back as is: unchanged, the key kept
        List<WriteResult> again = f.service.write(WriteMode.APPLY, List.of(read));
        assertEquals(WriteResult.Change.UNCHANGED, again.get(0).change());
        assertEquals(read.revision(), again.get(0).object().revision());
        List<WriteResult> dry = f.service.dryRun(new io.gatehouse.api.config.WriteRequest(null, null, WriteMode.APPLY,
                List.of(read), Duration.ofSeconds(5))).get();
        assertEquals(WriteResult.Change.UNCHANGED, dry.get(0).change());
        assertEquals(marker, dry.get(0).object().spec().path("key").asText());

        // the answer to a write that sends the marker back holds the stored key's marker, as a read does
        ConfigObject edited = certificate("web-cert", issued.certificatePem(), marker);
        edited.spec().put("certificate", issued.certificatePem() + "\n");
        List<WriteResult> editedDry = f.service.dryRun(new io.gatehouse.api.config.WriteRequest(null, null,
                WriteMode.APPLY, List.of(edited), Duration.ofSeconds(5))).get();
        assertEquals(WriteResult.Change.UPDATED, editedDry.get(0).change());
        assertEquals(marker, editedDry.get(0).object().spec().path("key").asText());
        List<WriteResult> editedWrite = f.service.write(WriteMode.APPLY, List.of(edited));
        assertEquals(WriteResult.Change.UPDATED, editedWrite.get(0).change());
        assertEquals(marker, editedWrite.get(0).object().spec().path("key").asText());

        // a server written afterwards still gets the real key
        f.service.apply(List.of(server("web-cert")));
        assertEquals(issued.keyPem(), served(0).keyPem());

        // the marker of another key, or for an object that does not exist, is refused
        TestCertificates.Issued other = TestCertificates.forNames("other", "other.test");
        ConfigException wrong = refused(400, certificate("web-cert", issued.certificatePem(),
                "redacted:sha256:" + TlsCertificates.sha256(other.keyPem())));
        assertViolation(wrong, "$.spec.key", "redacted key that does not match the stored TLSCertificate 'web-cert'");
        ConfigException absent = refused(400, certificate("new-cert", issued.certificatePem(), marker));
        assertViolation(absent, "$.spec.key", "send the PEM private key");
    }

    @Test
    public void badSpecsAreReportedAtTheirPaths() throws Exception {
        TestCertificates.Issued other = TestCertificates.forNames("other", "other.test");
        assertViolation(refused(400, certificate("c", null, null)), "$.spec.certificate", "is required");
        assertViolation(refused(400, certificate("c", null, null)), "$.spec.key", "is required");
        assertViolation(refused(400, certificate("c", "not a certificate", issued.keyPem())), "$.spec.certificate",
                "not a PEM certificate chain");
        assertViolation(refused(400, certificate("c", issued.certificatePem(), "-----BEGIN RSA PRIVATE KEY-----\nAAAA"
                + "\n-----END RSA PRIVATE KEY-----\n")), "$.spec.key", "openssl pkcs8 -topk8");
        assertViolation(refused(400, certificate("c", issued.certificatePem(), other.keyPem())), "$.spec.key",
                "this key is not the key of the certificate");
        TestCertificates.Issued expired = TestCertificates.issue("old", Instant.now().minus(Duration.ofDays(30)),
                Instant.now().minus(Duration.ofDays(1)));
        assertViolation(refused(400, certificate("c", expired)), "$.spec.certificate", "expired on");
        ConfigObject extra = certificate("c", issued);
        extra.spec().put("password", "x");
        assertViolation(refused(400, extra), "$.spec.password", "unknown field");
        assertTrue("nothing was stored", f.service.list("TLSCertificate").isEmpty());
    }

    @Test
    public void aReferenceMustNameAnExistingCertificateAndNotAlsoFiles() throws Exception {
        assertViolation(refused(400, server("missing")), "$.spec.tls.certificates[0].ref",
                "TLSCertificate 'missing' does not exist");
        assertViolation(refused(400, server("bad/name")), "$.spec.tls.certificates[0].ref", "must match");
        ConfigObject both = server("web-cert");
        ((ObjectNode) both.spec().path("tls").path("certificates").get(0)).put("certificate", "web.crt");
        f.service.apply(List.of(certificate("web-cert", issued)));
        assertViolation(refused(400, both), "$.spec.tls.certificates[0]", "give one or the other");
        assertTrue(f.service.list("HTTPServer").isEmpty());
    }

    @Test
    public void aCertificateInUseIsNotDeletedAndANewTextReachesItsServers() throws Exception {
        f.service.apply(List.of(certificate("web-cert", issued), server("web-cert")));
        ConfigException inUse = assertThrows(ConfigException.class, () -> f.service.delete("TLSCertificate",
                "web-cert"));
        assertEquals(409, inUse.status());
        assertTrue(inUse.getMessage(), inUse.getMessage().contains("TLSCertificate 'web-cert' is used by HTTPServer"
                + " 'web' ($.spec.tls.certificates[0].ref)"));
        assertTrue(f.service.get("TLSCertificate", "web-cert").isPresent());

        // renewed: the server's listener is reconfigured with the new text, the socket kept
        int reconfigured = dp.on(10443).reconfigured;
        TestCertificates.Issued renewed = TestCertificates.forNames("web-renewed", "web.test");
        f.service.apply(List.of(certificate("web-cert", renewed)));
        assertEquals(renewed.certificatePem(), served(0).certificatePem());
        assertEquals(renewed.keyPem(), served(0).keyPem());
        assertEquals(reconfigured + 1, dp.on(10443).reconfigured);

        // once no server uses it, it can go
        f.service.apply(List.of(f.parse("""
                kind: HTTPServer
                name: web
                spec: {address: 127.0.0.1, port: 10443, rules: [{pipeline: a}]}
                """).get(0)));
        f.service.delete("TLSCertificate", "web-cert");
        assertTrue(f.service.get("TLSCertificate", "web-cert").isEmpty());
    }

    /** A ref written as a number is the name it binds to: it counts as a use, and renewals reach it. */
    @Test
    public void aNumericRefIsAUseLikeAnyOther() throws Exception {
        f.service.apply(List.of(certificate("2026", issued)));
        f.apply("""
                kind: HTTPServer
                name: web
                spec:
                  address: 127.0.0.1
                  port: 10443
                  tls: {certificates: [{ref: 2026}]}
                  rules: [{pipeline: a}]
                """);
        assertEquals("2026", served(0).object());
        ConfigException inUse = assertThrows(ConfigException.class, () -> f.service.delete("TLSCertificate", "2026"));
        assertEquals(409, inUse.status());
        TestCertificates.Issued renewed = TestCertificates.forNames("renewed", "web.test");
        f.service.apply(List.of(certificate("2026", renewed)));
        assertEquals(renewed.certificatePem(), served(0).certificatePem());
    }

    /** References are read from stored specs of any shape without failing (they run over every server). */
    @Test
    public void referencesOfOddShapesAreNone() throws Exception {
        for (String tls : List.of("{certificates: {ref: a}}", "{certificates: [null, 3, {ref: null}, {ref: [a]}]}",
                "{certificates: oops}", "7")) {
            ConfigObject server = f.parse("kind: HTTPServer\nname: odd\nspec: {tls: " + tls + "}\n").get(0);
            assertEquals(tls, List.of(), TlsCertificates.references(server));
        }
        ConfigObject two = f.parse("kind: HTTPServer\nname: odd\nspec: {tls: {certificates: [{certificate: a},"
                + " {ref: b}, {ref: 7}]}}\n").get(0);
        assertEquals(List.of(new TlsCertificates.Reference(1, "b"), new TlsCertificates.Reference(2, "7")),
                TlsCertificates.references(two));
    }

    /** A certificate issued moments ago loads on a node whose clock is a little behind; one far ahead does not. */
    @Test
    public void aCertificateStartingMinutesAheadIsTakenHoursAheadIsNot() throws Exception {
        TestCertificates.Issued soon = TestCertificates.issue("soon", Instant.now().plus(Duration.ofMinutes(2)),
                Instant.now().plus(Duration.ofDays(30)));
        f.service.apply(List.of(certificate("soon", soon)));
        TestCertificates.Issued later = TestCertificates.issue("later", Instant.now().plus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(30)));
        assertViolation(refused(400, certificate("later", later)), "$.spec.certificate", "is valid only from");
    }

    @Test
    public void aRestartedNodeServesTheStoredTextAgain() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = new Fixture(log, new FakeDataPlane());
        first.start();
        first.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        first.apply(pipeline("a", "mock", "{status: 200}"));
        first.service.apply(List.of(certificate("web-cert", issued), server("web-cert")));
        first.close();
        FakeDataPlane again = new FakeDataPlane();
        Fixture second = new Fixture(log, again);
        try {
            second.start().knownKinds("mock");
            assertEquals(issued.keyPem(), again.on(10443).settings().tls().certificates().get(0).keyPem());
        } finally {
            second.close();
        }
    }
}
