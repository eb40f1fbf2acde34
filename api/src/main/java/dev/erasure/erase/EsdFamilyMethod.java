package dev.erasure.erase;

import java.util.Map;

/**
 * A per-iteration method of the ESD family (ESD, ESD + preservation, EAP, EAP-PGD): its name and
 * the settings its checkpoints must match are those of the {@link EsdFamily} record that made it.
 *
 * @param <R> the record of one iteration
 */
interface EsdFamilyMethod<R extends StepRecord> extends ErasureMethod<R> {
    /** The family record (its preservation and vocabulary) this method runs. */
    EsdFamily family();

    @Override
    default String name() {
        return family().name();
    }

    @Override
    default Map<String, String> configuration() {
        return family().configuration();
    }
}
