package io.gatehouse.itests;

import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.File;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption;
import org.ops4j.pax.exam.options.extra.VMOption;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Boots the real Gatehouse assembly (the tar.gz built by karaf-assembly) once per test class. The admin
 * API gets a free port, passed to the in-container test through a system property, and so does the cluster
 * node's Hazelcast member; the embedded default is switched off so that no fixed port is bound.
 */
public abstract class GatehouseKarafTestSupport {
    protected static final String ADMIN_PORT_PROPERTY = "gatehouse.it.adminPort";

    protected Option[] baseConfiguration() {
        String assembly = System.getProperty("gatehouse.assembly");
        File tarGz = new File(assembly);
        if (!tarGz.isFile()) {
            throw new IllegalStateException("assembly not built: " + tarGz);
        }
        String repo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        int adminPort = Ports.free();
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl(tarGz.toURI().toString())
                    .unpackDirectory(new File(System.getProperty("project.build.directory", "target"), "exam"))
                    .useDeployFolder(false),
            keepRuntimeFolder(),
            configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
            logLevel(LogLevelOption.LogLevel.INFO),
            editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository", repo),
            editConfigurationFilePut("etc/io.gatehouse.admin.cfg", "port", String.valueOf(adminPort)),
            editConfigurationFilePut("etc/io.gatehouse.core.cfg", "defaults", "none"),
            // the cluster node's Hazelcast member on a free port (5701 may be held by a running ./gatehouse)
            editConfigurationFilePut("etc/io.gatehouse.cluster.cfg", "bind.port", String.valueOf(Ports.free())),
            systemProperty(ADMIN_PORT_PROPERTY).value(String.valueOf(adminPort)),
            // the node's bootstrap admin token (Pax Exam's JVM does not take the test's environment)
            systemProperty("gatehouse.admin.token").value(Http.TOKEN),
            // the probe's extender waits this long for Pax Exam's invoker factory (default 10 s); on a loaded
            // machine that service came later, the probe was never served and the test client waited forever
            systemProperty("org.ops4j.pax.exam.raw.extender.intern.Parser.DEFAULT_TIMEOUT").value("180000"),
            new VMOption("-Xmx512m"),
            // Hazelcast 5.4 on Java 17 (bin/setenv has the same; Pax Exam does not read bin/setenv)
            new VMOption("--add-modules=java.se"),
            new VMOption("--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"),
            new VMOption("--add-opens=java.base/java.lang=ALL-UNNAMED"),
            new VMOption("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"),
            new VMOption("--add-opens=java.management/sun.management=ALL-UNNAMED"),
            new VMOption("--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED"),
            mavenBundle("org.hamcrest", "hamcrest").version(System.getProperty("hamcrest.version")),
            mavenBundle("org.awaitility", "awaitility").version(System.getProperty("awaitility.version")),
        };
    }

    protected static String admin(String path) {
        return "http://127.0.0.1:" + Integer.getInteger(ADMIN_PORT_PROPERTY) + path;
    }

    protected static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not installed");
    }
}
