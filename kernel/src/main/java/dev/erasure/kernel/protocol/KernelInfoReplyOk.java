package dev.erasure.kernel.protocol;

import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.messages.reply.KernelInfoReply;

import java.util.List;

/** kernel_info_reply with the {@code "status": "ok"} that the base library leaves out. */
public final class KernelInfoReplyOk extends KernelInfoReply {
    @SuppressWarnings("unused")  // serialised by gson
    private final String status = "ok";

    public KernelInfoReplyOk(String protocolVersion, String implementation, String version,
                             LanguageInfo languageInfo, String banner, List<LanguageInfo.Help> helpLinks) {
        super(protocolVersion, implementation, version, languageInfo, banner, helpLinks);
    }
}
