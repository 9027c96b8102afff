-- What a new version moved away from, so that whatever was counted under the old version is
-- counted again (metrics records the months a sync changed from the rows it wrote).
-- referral.moved_from_month: the month the referral was in before the sync that wrote it moved it
-- (its authored date changed month); the first such month when one sync wrote several versions;
-- NULL when the version that sync wrote did not move it.
ALTER TABLE referral ADD COLUMN moved_from_month DATE;
-- visit.moved_from_patient: the patient (keyed hash) the visit belonged to before the sync that
-- wrote it gave it to another one (a merge of patient records in the EMR): the referrals of that
-- patient it may have converted are counted again. Same rules as moved_from_month.
ALTER TABLE visit ADD COLUMN moved_from_patient VARCHAR(64);
