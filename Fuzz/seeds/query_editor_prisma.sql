/* RQEV2-Q7bDsX0UlC */
SELECT 1 /*prismaQuery='Post.findMany%3AeyJ9',feature='it\'s%20x'*/