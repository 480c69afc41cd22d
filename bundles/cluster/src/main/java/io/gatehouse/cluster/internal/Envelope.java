package io.gatehouse.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * One request on the wire: submitted to the receiving member's {@code gatehouse.messages} executor, where
 * {@link #call()} hands it to the {@link Receiver} found in the member's user context (no statics). Written
 * with Hazelcast's IdentifiedDataSerializable, so no Java deserialization is involved.
 */
final class Envelope implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {
    static final int FACTORY_ID = 0x4748;
    static final int CLASS_ID = 1;

    /** What receives envelopes on a member: the messaging layer, set in the member's user context. */
    interface Receiver {
        /** Handles one envelope, returns the encoded answer ({@link Frame}). */
        byte[] receive(Envelope envelope);
    }

    String type;
    String sender;
    String senderUuid;
    /** The node the request is for: differs from the receiver when the receiver is a relay. */
    String target;
    long lamport;
    long timeoutMillis;
    byte[] payload;
    byte[] mac;

    private transient HazelcastInstance instance;

    /** Used by the factory. */
    Envelope() {
    }

    Envelope(String type, String sender, String senderUuid, String target, long lamport, long timeoutMillis,
             byte[] payload) {
        this.type = type;
        this.sender = sender;
        this.senderUuid = senderUuid;
        this.target = target;
        this.lamport = lamport;
        this.timeoutMillis = timeoutMillis;
        this.payload = payload;
    }

    /** The parts the HMAC covers: everything but the HMAC itself. */
    byte[][] signedParts() {
        return new byte[][] {utf8(type), utf8(sender), utf8(senderUuid), utf8(target),
            ByteBuffer.allocate(16).putLong(lamport).putLong(timeoutMillis).array(), payload};
    }

    Envelope sign(ClusterSecret secret) {
        mac = secret.mac(signedParts());
        return this;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public byte[] call() {
        Object receiver = instance == null ? null : instance.getUserContext().get(ExecutorMessaging.USER_CONTEXT_KEY);
        if (receiver instanceof Receiver r) {
            return r.receive(this);
        }
        return Frame.unsigned(MessagingException.Reason.STOPPED, "the receiver's cluster service is not running");
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(type);
        out.writeString(sender);
        out.writeString(senderUuid);
        out.writeString(target);
        out.writeLong(lamport);
        out.writeLong(timeoutMillis);
        out.writeByteArray(payload);
        out.writeByteArray(mac);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        type = in.readString();
        sender = in.readString();
        senderUuid = in.readString();
        target = in.readString();
        lamport = in.readLong();
        timeoutMillis = in.readLong();
        payload = in.readByteArray();
        mac = in.readByteArray();
        if (type == null || sender == null || senderUuid == null || target == null || payload == null) {
            throw new IOException("incomplete cluster message");
        }
    }

    @Override
    public int getFactoryId() {
        return FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return CLASS_ID;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Creates envelopes for Hazelcast's serialization (registered in the member's configuration). */
    static final class Factory implements DataSerializableFactory {
        @Override
        public IdentifiedDataSerializable create(int typeId) {
            return typeId == CLASS_ID ? new Envelope() : null;
        }
    }
}
