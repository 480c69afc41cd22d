package io.gatehouse.cluster.internal.groups;

import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.cluster.internal.ClusterNode;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Registers {@link GroupAuthenticator} while this node's {@link ClusterNode} runs (a static reference: a new
 * member, possibly with another secret, makes a new component with an empty replay memory). The admin API
 * asks it to check writes forwarded from other groups; the secret stays in this bundle.
 */
@Component(service = GroupAuthenticator.class, immediate = true)
public class GroupAuthenticatorComponent implements GroupAuthenticator {
    private final GroupSignature signature;

    @Activate
    public GroupAuthenticatorComponent(@Reference(name = "node", policyOption = ReferencePolicyOption.GREEDY)
                                       ClusterNode node) {
        this.signature = new GroupSignature(node.secret(), System::currentTimeMillis);
    }

    @Override
    public Verdict verify(String method, String target, byte[] body, String node, String timestamp, String signature) {
        return this.signature.verify(method, target, body, node, timestamp, signature);
    }
}
