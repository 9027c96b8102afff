package org.referralmonitor.app.web;

import org.referralmonitor.metrics.report.ProviderSummary;

/** A referring provider's month within its practice, as the source page lists it. */
record ProviderView(ProviderSummary provider) {

    /** The provider's name, else the key it is known by. */
    public String name() {
        return provider.name() != null ? provider.name() : provider.practitionerKey();
    }

    public String conversion() {
        return Format.percent(provider.conversionRate());
    }

    public String medianDays() {
        return Format.days(provider.medianDaysToVisit());
    }

    public String baseline() {
        return Format.expected(provider.baseline());
    }

    public String change() {
        return Format.change(provider.referrals(), provider.baseline());
    }
}
