@section-3
Feature: Training on the diabetes data (article, section 3)
  The article shuffles scikit-learn's diabetes data with seed 42, trains on the
  first 80 % of the rows and keeps the rest for testing, runs gradient descent
  for 200,000 epochs at learning rate 0.01, and reports the loss at the start
  and at the end. The implementation under test makes the same run once, and
  each figure is held to it. The data and its split are the article's recipe
  applied to scikit-learn's copy of the data, the same whatever is judged.
  Article's section: "3. Training on Real Data"

  @claim-3.1 @holds
  Rule: The diabetes data holds 442 samples of 10 features
    Article: "442 samples with 10 physiological features" (section 3)
    Article's figure: 442 samples, 10 features

    @reference
    Scenario: Counting the samples and features of the diabetes data
      Given the article's split of the diabetes data
      Then the training and test rows together number 442
      And every row has 10 features

  @claim-3.2 @holds
  Rule: The first 80 % of the shuffled rows, rounded down, are for training
    Article: "Split into Train (80%) and Test (20%)" (section 3)
    Article's figure: shapes (353, 10), (89, 10), (353, 1), (89, 1)

    @reference
    Scenario Outline: The shape of <array> in the split
      Given the article's split of the diabetes data
      Then <array> has the shape (<rows>, <columns>)

      Examples:
        | array   | rows | columns |
        | X_train | 353  | 10      |
        | X_test  | 89   | 10      |
        | y_train | 353  | 1       |
        | y_test  | 89   | 1       |

    @reference
    Scenario: Eighty per cent of 442 rows is rounded down
      Given the article's split of the diabetes data
      Then the training rows are 80 % of 442 rounded down, 353
      And they are 79.9 % of the data to one decimal

  @claim-3.3 @erratum
  Rule: The article's initial loss is the loss at epoch 10,000; the loss at the start is 15011.45
    The article's loop reports the loss every 10,000 epochs, so the first figure it
    shows is epoch 10,000's. The first epoch measures the all-zero model, whose loss
    is half the mean squared target.
    Article: "Initial loss: ~1930" (section 3)
    Article's figure: ~1930
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario: The loss at the first epoch
      Given the article's 200,000-epoch run on the diabetes data
      Then the loss at epoch 1 is 15011.45 to two decimals

    Scenario: The loss at the first epoch is that of the all-zero model
      Given the article's 200,000-epoch run on the diabetes data
      Then the loss at epoch 1 is half the mean squared training target

    Scenario: The article's initial loss is the loss at epoch 10,000
      Given the article's 200,000-epoch run on the diabetes data
      Then the loss at epoch 10,000 is 1930.52 to two decimals

    Scenario: The first progress report comes at epoch 10,000
      Given the article's split of the diabetes data
      When the model trains for 10,000 epochs at the article's learning rate, reporting its progress
      Then the only report is "epoch 10000 loss 1930.520204"

  @claim-3.4 @holds
  Rule: The final loss is 1392.54, which the article truncates to 1392
    Article: "Final loss: ~1392" (section 3)
    Article's figure: ~1392
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario: The loss at the last epoch
      Given the article's 200,000-epoch run on the diabetes data
      Then the loss at epoch 200,000 is 1392.54 to two decimals
      And its whole part is 1392

  @claim-3.5 @conditional
  Rule: Each update brings the parameters closer to the optimum when the learning rate is below 2 / lambda_max
    One update multiplies the parameters' offset from the least-squares optimum
    by I - alpha H, with H the loss's constant Hessian. Its length shrinks every
    epoch exactly when every |1 - alpha lambda| < 1, that is when alpha lies
    below 2 / lambda_max (1.99996 here); the article's 0.01 does. The parameters at
    each epoch are those of the implementation's own update, read off its gradient
    and held to the run's recorded losses and final parameters.
    Article: "each parameter update moves us closer to the optimal solution" (section 3)
    Builds on: claim-2.1, claim-2.3, claim-2.4, claim-2.5

    Scenario: At the article's learning rate every epoch brings the parameters closer to the optimum
      Given the article's split of the diabetes data
      When the model trains for 20,000 epochs at 0.01
      Then its parameters are closer to the least-squares optimum at every epoch than at the one before

    Scenario: Just above the stable bound the parameters move away from the optimum
      Given the article's split of the diabetes data
      When the model trains for 1,000 epochs at 1.01 times the stable learning rate
      Then its parameters end more than a thousand times farther from the least-squares optimum than they started
