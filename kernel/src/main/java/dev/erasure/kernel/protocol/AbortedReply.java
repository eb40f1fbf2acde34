package dev.erasure.kernel.protocol;

import io.github.spencerpark.jupyter.messages.ContentType;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.reply.ExecuteReply;

/**
 * execute_reply with {@code "status": "aborted"}, which the base library cannot express: the
 * answer to a cell that was queued behind a failed one sent with {@code stop_on_error} (Run All
 * stops at the first error, as in IPython).
 */
public final class AbortedReply implements ContentType<AbortedReply> {
    @SuppressWarnings("unused")  // serialised by gson
    private final String status = "aborted";

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public MessageType<AbortedReply> getType() {
        return (MessageType) ExecuteReply.MESSAGE_TYPE;
    }
}
